import { once } from "node:events";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { AuditEntry, AuditQuery, AuditRecord, AuditStore } from "../audit/index.js";
import type { AuditWriterMessage, AuditWriterReply } from "./audit-writer-worker.js";
import { packAuditEntries } from "./packed-audit-entry.js";

/** Beside this file, with its extension: `.js` when built, `.ts` when run from source (tests). */
const WORKER_URL = new URL(
  `./audit-writer-worker${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

/**
 * The writer's nursery (V8's young generation semi-space), in MB. V8 starts a worker's at 1 MB
 * and grows it only when much survives, which little here does: under load the writer
 * allocates about 6 KB per record and collected its nursery every few batches, each collection
 * taking over a millisecond on a busy core. At 8 MB, in bench/gateway's setup at 64 connections,
 * V8's GC trace showed a quarter as many collections and a third of their time (342 → 116 and
 * 306 → 119 ms per run, about 1.5 µs per request), for up to 14 MB more memory (two semi-spaces).
 */
const WRITER_NURSERY_MB = 8;

/**
 * Built, the worker is a plain module. Run from the TypeScript sources (the tests), Node 20 does
 * not set the process's TypeScript loader up in workers, so the worker registers it first.
 */
function startWriter(path: string): Worker {
  // V8 reads the flag when an isolate is created: it sizes the writer's, the main thread's is
  // long made. The worker creates its isolate on its own thread later, so it stays set; any
  // isolate made after it would get the same nursery, and Keyless makes no other.
  setFlagsFromString(`--min-semi-space-size=${WRITER_NURSERY_MB}`);
  const workerData = { path };
  if (WORKER_URL.pathname.endsWith(".js")) return new Worker(WORKER_URL, { workerData });
  const bootstrap = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface Pending {
  /** The records, when they were asked for. */
  resolve: (records: AuditRecord[] | undefined) => void;
  reject: (error: Error) => void;
}

/**
 * The audit store of a SQLite database, with appends on a worker thread. better-sqlite3 writes
 * synchronously, so on the request thread every batch (and every WAL checkpoint's fsync) was a
 * pause each request in flight waited out: bench/gateway measured a p99 of ~18 ms at
 * concurrency 1 with appends here against ~3 ms without them. Reads stay on the main connection
 * (`reads`); WAL lets them run beside the worker's writes. A worker that dies fails the batches
 * it held (the audit log keeps and retries them) and is started again on the next append.
 */
export class ThreadedAuditStore implements AuditStore {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Who waits for the batches in flight to be answered. */
  private readonly whenIdle: Array<() => void> = [];

  constructor(
    private readonly path: string,
    private readonly reads: Pick<AuditStore, "queryAudit">,
  ) {}

  async appendBatch(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    if (entries.length === 0) return [];
    return (await this.send(entries, true)) ?? [];
  }

  async append(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length > 0) await this.send(entries, false);
  }

  queryAudit(query: AuditQuery): Promise<AuditRecord[]> {
    return this.reads.queryAudit(query);
  }

  /** Lets the worker finish what it holds, then stops it. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    if (this.pending.size > 0) await new Promise<void>((resolve) => this.whenIdle.push(resolve));
    this.worker = undefined;
    const exited = once(worker, "exit");
    worker.postMessage({ close: true } satisfies AuditWriterMessage);
    await exited;
  }

  private send(
    entries: readonly AuditEntry[],
    wantRecords: boolean,
  ): Promise<AuditRecord[] | undefined> {
    const id = this.nextId++;
    const worker = this.running();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({
        id,
        entries: packAuditEntries(entries),
        wantRecords,
      } satisfies AuditWriterMessage);
    });
  }

  private settle(id: number, outcome: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    outcome(pending);
    if (this.pending.size === 0) for (const resolve of this.whenIdle.splice(0)) resolve();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = startWriter(this.path);
    worker.on("message", (reply: AuditWriterReply) =>
      this.settle(reply.id, (pending) =>
        "error" in reply
          ? pending.reject(new Error(reply.error))
          : pending.resolve(reply.records as AuditRecord[] | undefined),
      ),
    );
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const id of [...this.pending.keys()])
        this.settle(id, (pending) => pending.reject(error));
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the audit writer thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
