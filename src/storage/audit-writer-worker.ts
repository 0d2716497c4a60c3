/**
 * The worker thread that appends audit batches to a SQLite file (see `ThreadedAuditStore`): its
 * own connection, the audit part's chain rule, one batch at a time as the messages arrive.
 */
import { parentPort, workerData } from "node:worker_threads";
import { extendChain } from "../audit/index.js";
import { unpackAuditEntry, type PackedAuditEntry } from "./packed-audit-entry.js";
import { SqlAuditStore } from "./sql-audit-store.js";
import { SqliteDb } from "./sqlite-db.js";

export type AuditWriterMessage =
  { id: number; entries: PackedAuditEntry[]; wantRecords: boolean } | { close: true };
/** `records` only when they were asked for: copying them back costs the request thread. */
export type AuditWriterReply = { id: number; records?: unknown[] } | { id: number; error: string };

const port = parentPort!;
const { path } = workerData as { path: string };
let db: SqliteDb | undefined;
let store: SqlAuditStore | undefined;

/** Opened on the first batch, so a database that cannot be opened fails that batch, not the thread. */
function opened(): SqlAuditStore {
  db ??= new SqliteDb(path);
  store ??= new SqlAuditStore(db, extendChain);
  return store;
}

port.on("message", (message: AuditWriterMessage) => {
  if ("close" in message) {
    void (db?.close() ?? Promise.resolve()).then(() => port.close());
    return;
  }
  Promise.resolve()
    .then(() => opened().appendBatch(message.entries.map(unpackAuditEntry)))
    .then(
      (records) =>
        port.postMessage({
          id: message.id,
          ...(message.wantRecords && { records }),
        } satisfies AuditWriterReply),
      (error: unknown) =>
        port.postMessage({
          id: message.id,
          error: error instanceof Error ? error.message : String(error),
        } satisfies AuditWriterReply),
    );
});
