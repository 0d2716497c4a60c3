/**
 * How the data plane and its upstreams hear that the caller went away. Not an AbortSignal
 * itself: bench/gateway measured creating one and listening on it at several µs per request,
 * and a whole answer from an HTTP upstream needs only `onAbort`. Code that hands the signal to
 * an API taking an AbortSignal (undici's streams, timers) asks for one with `asAbortSignal`.
 */
export interface CallerSignal {
  /** Whether the caller has gone. */
  readonly aborted: boolean;
  /**
   * Calls `listener` once when the caller goes; the returned function stops listening. As with
   * AbortSignal, a listener added after the caller went is never called: check `aborted` first.
   */
  onAbort(listener: () => void): () => void;
  /** An AbortSignal that aborts when the caller goes (made on the first call). */
  asAbortSignal(): AbortSignal;
}

/** The edge's signal: aborted once, when the caller's connection closes before the answer ends. */
export class ConnectionSignal implements CallerSignal {
  private gone = false;
  private listeners: Array<() => void> | undefined;
  private controller: AbortController | undefined;

  get aborted(): boolean {
    return this.gone;
  }

  abort(): void {
    if (this.gone) return;
    this.gone = true;
    this.controller?.abort();
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) listener();
  }

  onAbort(listener: () => void): () => void {
    if (this.gone) return () => {};
    (this.listeners ??= []).push(listener);
    return () => {
      const at = this.listeners?.indexOf(listener) ?? -1;
      if (at >= 0) this.listeners!.splice(at, 1);
    };
  }

  asAbortSignal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.gone) this.controller.abort();
    }
    return this.controller.signal;
  }
}

/** A CallerSignal that follows an AbortSignal (for callers that already have one). */
export function callerSignalOf(signal: AbortSignal): CallerSignal {
  return {
    get aborted() {
      return signal.aborted;
    },
    onAbort(listener) {
      signal.addEventListener("abort", listener, { once: true });
      return () => signal.removeEventListener("abort", listener);
    },
    asAbortSignal: () => signal,
  };
}
