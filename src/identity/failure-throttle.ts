import type { Clock } from "../kernel/index.js";

interface Window {
  start: number;
  failures: number;
}

const MAX_TRACKED = 100_000;

/**
 * Counts failed authentications per key (a client id, a client address) in fixed windows and
 * refuses further attempts once a key reaches the limit, so secrets and passwords cannot be
 * guessed at speed. Per process: each replica enforces the limit on what it sees.
 */
export class FailureThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds to wait if any key is over its limit, else undefined. */
  retryAfter(keys: string[]): number | undefined {
    const now = this.clock.now();
    let wait: number | undefined;
    for (const key of keys) {
      const window = this.windows.get(key);
      if (!window || now - window.start >= this.windowMs) continue;
      if (window.failures >= this.limit) {
        const seconds = Math.ceil((window.start + this.windowMs - now) / 1000);
        wait = Math.max(wait ?? 0, seconds);
      }
    }
    return wait;
  }

  recordFailure(keys: string[]): void {
    const now = this.clock.now();
    for (const key of keys) {
      const window = this.windows.get(key);
      if (window && now - window.start < this.windowMs) {
        window.failures++;
        continue;
      }
      this.windows.delete(key);
      this.windows.set(key, { start: now, failures: 1 });
      // INVARIANT: memory stays bounded; Map order is insertion order, so the oldest go first.
      if (this.windows.size > MAX_TRACKED) this.windows.delete(this.windows.keys().next().value!);
    }
  }
}
