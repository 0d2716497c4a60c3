import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { configSchema } from "../config/index.js";
import { ManualTimers } from "../kernel/index.js";
import { AUDIT_BATCH_SIZE, AUDIT_FLUSH_INTERVAL_MS, AuditLog } from "./audit-log.js";
import { extendChain, verifyAuditChain } from "./hash-chain.js";
import type { AuditEntry, AuditRecord } from "./model.js";
import type { AuditStore } from "./store.js";

/** A few event-loop turns: the log yields one between batches. */
const settle = async () => {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
};

/** Fires the one pending timer and lets the write it starts finish. */
const fire = async (timers: ManualTimers) => {
  timers.fire();
  await settle();
};

/** An in-memory chain that fails while `failing` is set and can hold a write open. */
class FakeStore implements Pick<AuditStore, "append"> {
  records: AuditRecord[] = [];
  batches: number[] = [];
  failing = false;
  gate: Promise<void> | undefined;
  async append(entries: readonly AuditEntry[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failing) throw new Error("connection refused");
    const tail = this.records.at(-1);
    const added = extendChain(tail && { seq: tail.seq, hash: tail.hash }, entries);
    this.records.push(...added);
    this.batches.push(entries.length);
  }
}

class RecordingLog {
  errors: { details: Record<string, unknown>; message: string }[] = [];
  error(details: object, message: string): void {
    this.errors.push({ details: details as Record<string, unknown>, message });
  }
}

let counter = 0;
const entry = (): AuditEntry => ({
  at: Date.UTC(2026, 0, 1),
  requestId: `request-${++counter}`,
  principal: { objectId: "3f2b5d9e-6a47-4c0b-9d1e-2a6f8c3b7e10", type: "User" },
  authMethod: "token",
  clientAddress: "203.0.113.9",
  operation: "chat/completions",
  decision: "allowed",
  status: 200,
  latencyMs: 4,
});

let timers: ManualTimers;
let store: FakeStore;
let log: RecordingLog;
let audit: AuditLog;
beforeEach(() => {
  timers = new ManualTimers();
  store = new FakeStore();
  log = new RecordingLog();
  audit = new AuditLog({ store, log, timers, flushIntervalMs: 100, batchSize: 3 });
});

const requestIds = () => store.records.map((r) => r.requestId);

test("record only queues; each tick writes what waits, in batches, in order", async () => {
  audit.start();
  const entries = Array.from({ length: 5 }, entry);
  // Below the batch size nothing is written until the tick.
  for (const e of entries.slice(0, 2)) audit.record(e);
  await settle();
  assert.equal(store.records.length, 0);
  assert.equal(timers.delay, 100);
  for (const e of entries.slice(2)) audit.record(e);
  assert.deepEqual(audit.counters, { queued: 5, written: 0, failedWrites: 0, dropped: 0 });

  await fire(timers);
  assert.deepEqual(store.batches, [3, 2]);
  assert.deepEqual(
    requestIds(),
    entries.map((e) => e.requestId),
  );
  assert.deepEqual(verifyAuditChain(store.records), { ok: true });
  assert.deepEqual(audit.counters, { queued: 0, written: 5, failedWrites: 0, dropped: 0 });
  assert.equal(timers.delay, 100, "the next tick is scheduled");
  await audit.close();
});

test("a full batch is written at once, without waiting for the interval", async () => {
  audit.start();
  audit.record(entry());
  audit.record(entry());
  assert.equal(timers.delay, 100);
  audit.record(entry());
  assert.equal(timers.delay, 0);
  await fire(timers);
  assert.deepEqual(store.batches, [3]);
  assert.equal(timers.delay, 100);
  await audit.close();
});

test("a failed write keeps its entries, logs only ids, and is retried after a growing pause", async () => {
  audit.start();
  const entries = [entry(), entry()];
  for (const e of entries) audit.record(e);
  store.failing = true;
  await fire(timers);
  await fire(timers);
  assert.equal(store.records.length, 0);
  assert.deepEqual(audit.counters, { queued: 2, written: 0, failedWrites: 2, dropped: 0 });
  assert.equal(timers.delay, 400, "100 ms doubled per consecutive failure");
  assert.equal(log.errors.length, 2);
  const { details, message } = log.errors[0]!;
  assert.equal(message, "audit write failed; the entries stay queued");
  assert.equal(details.firstRequestId, entries[0]!.requestId);
  assert.equal(details.lastRequestId, entries[1]!.requestId);
  assert.doesNotMatch(JSON.stringify(details), /203\.0\.113\.9|3f2b5d9e/, "no entry contents");

  store.failing = false;
  const later = entry();
  audit.record(later);
  await fire(timers);
  assert.deepEqual(
    requestIds(),
    [...entries, later].map((e) => e.requestId),
  );
  assert.deepEqual(audit.counters, { queued: 0, written: 3, failedWrites: 2, dropped: 0 });
  assert.equal(timers.delay, 100, "back to the interval after a success");
  await audit.close();
});

test("the retry pause stops growing at maxRetryDelayMs", async () => {
  audit = new AuditLog({ store, log, timers, flushIntervalMs: 100, maxRetryDelayMs: 250 });
  audit.start();
  audit.record(entry());
  store.failing = true;
  await fire(timers);
  assert.equal(timers.delay, 200);
  await fire(timers);
  assert.equal(timers.delay, 250);
  store.failing = false;
  await audit.close();
});

test("one write at a time: a flush during a write joins it, and entries queued meanwhile follow", async () => {
  let open!: () => void;
  store.gate = new Promise((resolve) => (open = resolve));
  audit.record(entry());
  const first = audit.flush();
  audit.record(entry());
  const second = audit.flush();
  assert.equal(first, second);
  open();
  store.gate = undefined;
  await second;
  assert.deepEqual(store.batches, [1, 1]);
  assert.deepEqual(verifyAuditChain(store.records), { ok: true });
});

test("close stops the timer and writes everything still queued", async () => {
  audit.start();
  const entries = Array.from({ length: 7 }, entry);
  for (const e of entries) audit.record(e);
  await audit.close();
  assert.equal(timers.pending.length, 0);
  assert.deepEqual(
    requestIds(),
    entries.map((e) => e.requestId),
  );
  assert.deepEqual(verifyAuditChain(store.records), { ok: true });
});

test("close during a failing write tries again, and says what it could not write", async () => {
  audit.start();
  audit.record(entry());
  store.failing = true;
  let open!: () => void;
  store.gate = new Promise((resolve) => (open = resolve));
  void timers.fire();
  const closing = audit.close();
  open();
  await assert.rejects(closing, /1 audit entries could not be written/);
  assert.equal(audit.counters.failedWrites, 2);

  store.failing = false;
  await audit.close();
  assert.equal(store.records.length, 1);
});

test("beyond maxQueued entries are dropped and counted, never thrown", async () => {
  audit = new AuditLog({ store, log, timers, maxQueued: 2 });
  audit.record(entry());
  audit.record(entry());
  audit.record(entry());
  assert.deepEqual(audit.counters, { queued: 2, written: 0, failedWrites: 0, dropped: 1 });
  await audit.close();
  assert.equal(store.records.length, 2);
});

// The configuration may not import the audit log (docs/architecture.md), so it states these
// figures again: this keeps the two, and the generated docs/configuration.md, from drifting.
test("the configuration states the audit log's own interval and batch size", () => {
  const setting = configSchema.auditFlushIntervalMs;
  assert.equal(setting.default, AUDIT_FLUSH_INTERVAL_MS);
  assert.match(setting.description, new RegExp(`at once when ${AUDIT_BATCH_SIZE} are waiting`));
});
