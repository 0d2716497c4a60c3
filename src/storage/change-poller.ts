import type { Change, ChangeFeed } from "../authz/index.js";
import { systemTimers, type Timers } from "../kernel/index.js";

/** Default poll period: well inside the one-second propagation Keyless promises. */
export const CHANGE_POLL_INTERVAL_MS = 250;
const DEFAULT_BATCH_SIZE = 1000;

/** A pino logger fits. */
export interface PollerLog {
  error(details: object, message: string): void;
}

export interface ChangePollerOptions {
  feed: ChangeFeed;
  /** The seq already reflected (from `feed.latestSeq()` read before loading). */
  after: number;
  /** Applies a batch; a batch it throws on is delivered again on the next poll. */
  onChanges: (changes: Change[]) => void | Promise<void>;
  log: PollerLog;
  intervalMs?: number;
  batchSize?: number;
  timers?: Timers;
}

/**
 * Polls a change feed and hands each new batch to `onChanges`, oldest first. Polls never
 * overlap: the next one is scheduled only when the last has finished (at once when a batch
 * came back full, so a backlog drains without waiting). A failed read or a failed `onChanges`
 * is logged and retried from the same seq: a change is never skipped.
 */
export class ChangePoller {
  private seq: number;
  private stopped = true;
  /** Bumped by every start: a tick from before a stop/start pair schedules nothing. */
  private run = 0;
  private timer: unknown;
  /** The poll in flight (or the last one); every poll waits for the one before it. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly timers: Timers;

  constructor(private readonly options: ChangePollerOptions) {
    this.seq = options.after;
    this.intervalMs = options.intervalMs ?? CHANGE_POLL_INTERVAL_MS;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.timers = options.timers ?? systemTimers;
  }

  /** The newest seq delivered to `onChanges`. */
  get lastSeq(): number {
    return this.seq;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(++this.run, this.intervalMs);
  }

  /**
   * Polls once now, after any poll in flight; resolves true when the batch was full (more may
   * be waiting). A replica calls it to see its own write before the next tick.
   */
  pollNow(): Promise<boolean> {
    const result = this.chain.then(() => this.poll());
    this.chain = result;
    return result;
  }

  /** Stops polling; resolves once a poll in flight (and its `onChanges`) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  private schedule(run: number, ms: number): void {
    if (this.stopped || run !== this.run) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.pollNow().then((more) => this.schedule(run, more ? 0 : this.intervalMs));
    }, ms);
  }

  /** Never rejects: errors are logged and the same seq is tried again. */
  private async poll(): Promise<boolean> {
    let changes: Change[];
    try {
      changes = await this.options.feed.changesSince(this.seq, this.batchSize);
      if (changes.length === 0) return false;
      await this.options.onChanges(changes);
    } catch (error) {
      this.options.log.error({ err: error, afterSeq: this.seq }, "change feed poll failed");
      return false;
    }
    this.seq = changes[changes.length - 1]!.seq;
    return changes.length === this.batchSize;
  }
}
