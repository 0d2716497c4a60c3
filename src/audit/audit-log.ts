import { systemTimers, type Timers } from "../kernel/index.js";
import type { AuditEntry, AuditSink } from "./model.js";
import type { AuditStore } from "./store.js";

/**
 * How often queued entries are written. On a core the writer thread shares with the request
 * thread, a batch is a stretch of CPU that requests arriving meanwhile wait out, and at a low
 * rate the interval sets the batch's size. At one connection in bench/gateway's setup (about
 * 3,800 requests per second; medians of 8 runs of 5 s), E's p99 was 2.6–2.8 ms writing every
 * 100 ms against B's 2.4 ms, 2.1 ms every 50 ms, 1.6 ms every 25 ms, and 1.3 ms every 10 ms,
 * where the writer spent half as much CPU again per record. At 64 connections batches reach or
 * near `AUDIT_BATCH_SIZE` within 25 ms: throughput was the same at 25 ms as at 100 ms.
 */
export const AUDIT_FLUSH_INTERVAL_MS = 25;
/**
 * Entries per write, and so per transaction and per wake-up of SQLite's writer thread. Each
 * commit rewrites the B-tree pages it touched, and each wake-up has its fixed costs, so larger
 * batches cost less per record: in bench/gateway's setup at 64 connections, switched between
 * runs of one process, the writer thread took 15.9 and 18.5 µs of CPU per request with batches
 * of 100, and 12.1 and 13.5 µs with batches of 500, in two runs. The price is a longer hold of
 * SQLite's one write lock (about 6 ms of the writer's CPU for 500), which a control-plane write
 * on the request thread waits out. 500 entries also fit the writer's nursery (about 6 KB each,
 * `threaded-audit-store.ts`).
 */
export const AUDIT_BATCH_SIZE = 500;
const MAX_RETRY_DELAY_MS = 5_000;
/** About 50 MB of entries: what a replica holds while its database is away before it drops. */
const MAX_QUEUED = 100_000;

/** A pino logger fits. */
export interface AuditErrorLog {
  error(details: object, message: string): void;
}

export interface AuditLogOptions {
  store: Pick<AuditStore, "append">;
  log: AuditErrorLog;
  /** How often queued entries are written. */
  flushIntervalMs?: number;
  /** Entries per write; this many waiting also starts a write at once. */
  batchSize?: number;
  /** After failed writes the wait doubles from the interval up to this. */
  maxRetryDelayMs?: number;
  /** Entries beyond this many waiting are dropped (and counted) rather than exhaust memory. */
  maxQueued?: number;
  timers?: Timers;
}

/** For metrics: entries waiting now, and totals since start. */
export interface AuditLogCounters {
  queued: number;
  written: number;
  failedWrites: number;
  dropped: number;
}

/**
 * The audit sink of the request path. `record` is an array push: no IO, no await, no throw, so
 * auditing adds nothing measurable to a request. Writes happen in the background, in batches,
 * one at a time (so the chain keeps the order entries were recorded in); a failed write leaves
 * its entries at the head of the queue and is retried after a growing pause. `close` writes
 * everything still waiting.
 */
export class AuditLog implements AuditSink {
  private queue: AuditEntry[] = [];
  private written = 0;
  private failedWrites = 0;
  private dropped = 0;
  private consecutiveFailures = 0;
  /** The write in flight: at most one, every flush joins it. */
  private flushing: Promise<void> | undefined;
  private timer: unknown;
  private running = false;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxRetryDelayMs: number;
  private readonly maxQueued: number;
  private readonly timers: Timers;

  constructor(private readonly options: AuditLogOptions) {
    this.intervalMs = options.flushIntervalMs ?? AUDIT_FLUSH_INTERVAL_MS;
    this.batchSize = options.batchSize ?? AUDIT_BATCH_SIZE;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? MAX_RETRY_DELAY_MS;
    this.maxQueued = options.maxQueued ?? MAX_QUEUED;
    this.timers = options.timers ?? systemTimers;
  }

  record(entry: AuditEntry): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(entry);
    // `===`: once per full batch, and not while failures hold writes back.
    if (this.queue.length === this.batchSize && !this.flushing && this.consecutiveFailures === 0)
      this.schedule(0);
  }

  get counters(): AuditLogCounters {
    return {
      queued: this.queue.length,
      written: this.written,
      failedWrites: this.failedWrites,
      dropped: this.dropped,
    };
  }

  /** Starts writing every `flushIntervalMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.intervalMs);
  }

  /**
   * Writes what is queued, batch by batch, after any write in flight; resolves when the queue is
   * empty or a write failed (the entries stay queued). Never rejects.
   */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops the timer and writes everything still queued; rejects if some could not be written. */
  async close(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    // A write in flight may be a failing one: wait for it, then try once more.
    await this.flushing;
    await this.flush();
    if (this.queue.length > 0)
      throw new Error(`${this.queue.length} audit entries could not be written`);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush().then(() => this.schedule(this.nextDelay()));
    }, ms);
  }

  private nextDelay(): number {
    if (this.consecutiveFailures > 0)
      return Math.min(this.intervalMs * 2 ** this.consecutiveFailures, this.maxRetryDelayMs);
    return this.queue.length >= this.batchSize ? 0 : this.intervalMs;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // INVARIANT: `record` only appends, so the head of the queue is this batch until removed.
      const batch = this.queue.slice(0, this.batchSize);
      try {
        await this.options.store.append(batch);
      } catch (error) {
        this.failedWrites++;
        this.consecutiveFailures++;
        // Ids only: entries name principals and addresses, which do not belong in a log line.
        this.options.log.error(
          {
            err: error,
            entries: batch.length,
            firstRequestId: batch[0]!.requestId,
            lastRequestId: batch[batch.length - 1]!.requestId,
            queued: this.queue.length,
            dropped: this.dropped,
          },
          "audit write failed; the entries stay queued",
        );
        return;
      }
      this.queue.splice(0, batch.length);
      this.written += batch.length;
      this.consecutiveFailures = 0;
      // Let waiting requests run between batches rather than after the whole queue.
      if (this.queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
