import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { CallerSignal } from "../caller-signal.js";

/** An upstream's answer, read whole. */
export interface WholeAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Sends one request and resolves with the whole answer. It goes through undici's `dispatch`
 * interface rather than `request`: an answer that is read whole needs no stream object, no
 * async iteration and no per-chunk promise, which bench/gateway measured on every non-streamed
 * call. An answer that is not 2xx is read to at most `errorBodyLimit` bytes (enough for its
 * message); the rest is not waited for. Rejects with undici's error (wrapped in
 * {@link BrokenAnswer} once the headers had arrived), or an AbortError once `signal` aborts.
 */
export function exchangeWhole(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: CallerSignal,
  errorBodyLimit: number,
): Promise<WholeAnswer> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new WholeAnswerHandler(resolve, reject, signal, errorBodyLimit));
  });
}

/** The answer had begun when the exchange failed: its cause is the upstream breaking off. */
export class BrokenAnswer extends Error {
  override name = "BrokenAnswer";
  constructor(override readonly cause: unknown) {
    super("the upstream broke off its answer");
  }
}

class WholeAnswerHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly parts: Buffer[] = [];
  private size = 0;
  private limit = Infinity;
  private settled = false;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly resolve: (answer: WholeAnswer) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: CallerSignal,
    private readonly errorBodyLimit: number,
  ) {}

  private readonly onAbort = () => {
    const reason = new DOMException("The caller went away.", "AbortError");
    this.controller?.abort(reason);
    this.fail(reason);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) return this.onAbort();
    this.stopListening = this.signal.onAbort(this.onAbort);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.statusCode = statusCode;
    this.headers = headers;
    if (statusCode < 200 || statusCode > 299) this.limit = this.errorBodyLimit;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size < this.limit) return;
    // Enough of a refusal for its message: answer with it and let the connection go.
    this.succeed();
    controller.abort(new Error("the rest of the refusal is not read"));
  }

  onResponseEnd(): void {
    this.succeed();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(this.statusCode === 0 ? error : new BrokenAnswer(error));
  }

  private succeed(): void {
    if (this.settled) return;
    this.settled = true;
    this.stopListening?.();
    const body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body });
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.stopListening?.();
    this.reject(error);
  }
}
