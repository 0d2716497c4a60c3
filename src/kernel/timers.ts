/** The timer functions background loops use (audit writes, change polling); tests inject their own. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Timers that fire only when a test says so. */
export class ManualTimers implements Timers {
  pending: { callback: () => void; ms: number; handle: number }[] = [];
  private next = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = ++this.next;
    this.pending.push({ callback, ms, handle });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((timer) => timer.handle !== handle);
  }

  /** The one pending timer's delay. */
  get delay(): number {
    return this.only().ms;
  }

  /** Fires the one pending timer. */
  fire(): void {
    const timer = this.only();
    this.pending = [];
    timer.callback();
  }

  private only() {
    if (this.pending.length !== 1) {
      throw new Error(`exactly one timer should be pending, not ${this.pending.length}`);
    }
    return this.pending[0]!;
  }
}
