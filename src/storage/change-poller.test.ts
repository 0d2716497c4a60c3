import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, test } from "node:test";
import type { Change, ChangeFeed, RoleAssignment } from "../authz/index.js";
import { ManualTimers } from "../kernel/index.js";
import { ChangePoller } from "./change-poller.js";
import { openStorage, type Storage } from "./open-storage.js";

/** Lets queued promise callbacks and SQLite statements run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Fires the one pending timer and lets the poll it starts finish. */
const fire = async (timers: ManualTimers) => {
  timers.fire();
  await settle();
};

class RecordingLog {
  errors: { details: object; message: string }[] = [];
  error(details: object, message: string): void {
    this.errors.push({ details, message });
  }
}

const assignment = (): RoleAssignment => ({
  name: randomUUID(),
  scope: `/subscriptions/${randomUUID()}`,
  roleDefinitionId: randomUUID(),
  principalId: randomUUID(),
  principalType: "User",
  createdOn: 1,
  updatedOn: 1,
});

let storage: Storage;
let timers: ManualTimers;
let log: RecordingLog;
beforeEach(async () => {
  storage = await openStorage({ sqlitePath: ":memory:" });
  timers = new ManualTimers();
  log = new RecordingLog();
});
afterEach(() => storage.close());

const keys = (changes: Change[]) => changes.map((change) => change.key);

test("each tick hands the new changes to the callback, then waits the interval", async () => {
  const before = assignment();
  await storage.authz.insertRoleAssignment(before);
  const batches: Change[][] = [];
  const poller = new ChangePoller({
    feed: storage.changes,
    after: await storage.changes.latestSeq(),
    onChanges: (changes) => void batches.push(changes),
    log,
    timers,
  });
  poller.start();
  assert.equal(timers.pending[0]?.ms, 250, "the default interval");

  await fire(timers);
  assert.deepEqual(batches, [], "nothing new, nothing delivered");

  const [a, b] = [assignment(), assignment()];
  await storage.authz.insertRoleAssignment(a);
  await storage.authz.insertRoleAssignment(b);
  await fire(timers);
  assert.deepEqual(batches.map(keys), [[a.name, b.name]]);
  assert.equal(poller.lastSeq, await storage.changes.latestSeq());
  assert.equal(timers.pending[0]?.ms, 250);

  await storage.authz.deleteRoleAssignment(a.name);
  await fire(timers);
  assert.deepEqual(batches.map(keys), [[a.name, b.name], [a.name]]);
  await poller.stop();
  assert.deepEqual(timers.pending, []);
});

test("a full batch is followed at once by the next poll", async () => {
  const written = [assignment(), assignment(), assignment()];
  for (const record of written) await storage.authz.insertRoleAssignment(record);
  const batches: Change[][] = [];
  const poller = new ChangePoller({
    feed: storage.changes,
    after: 0,
    onChanges: (changes) => void batches.push(changes),
    log,
    timers,
    intervalMs: 100,
    batchSize: 2,
  });
  poller.start();
  await fire(timers);
  assert.equal(timers.pending[0]?.ms, 0, "more may be waiting");
  await fire(timers);
  assert.equal(timers.pending[0]?.ms, 100);
  assert.deepEqual(batches.map(keys), [[written[0]!.name, written[1]!.name], [written[2]!.name]]);
  await poller.stop();
});

test("polls never overlap: the next is scheduled only when the last has finished", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let running = 0;
  let most = 0;
  const poller = new ChangePoller({
    feed: storage.changes,
    after: 0,
    onChanges: async () => {
      most = Math.max(most, ++running);
      await gate;
      running--;
    },
    log,
    timers,
  });
  await storage.authz.insertRoleAssignment(assignment());
  poller.start();
  await fire(timers);
  assert.equal(running, 1);
  assert.deepEqual(timers.pending, [], "no timer while a poll runs");
  const explicit = poller.pollNow(); // queues behind the running poll
  await settle();
  assert.equal(most, 1);
  release();
  await explicit;
  assert.equal(most, 1);
  assert.equal(timers.pending.length, 1);
  await poller.stop();
});

test("errors are logged and the same changes are tried again", async () => {
  const record = assignment();
  await storage.authz.insertRoleAssignment(record);
  let feedFailures = 1;
  const flaky: ChangeFeed = {
    changesSince: (seq, limit) =>
      feedFailures-- > 0
        ? Promise.reject(new Error("connection reset"))
        : storage.changes.changesSince(seq, limit),
    latestSeq: () => storage.changes.latestSeq(),
  };
  let callbackFailures = 1;
  const delivered: Change[][] = [];
  const poller = new ChangePoller({
    feed: flaky,
    after: 0,
    onChanges: (changes) => {
      if (callbackFailures-- > 0) throw new Error("index refused");
      delivered.push(changes);
    },
    log,
    timers,
  });
  poller.start();
  await fire(timers); // the feed fails
  await fire(timers); // the callback fails
  assert.equal(poller.lastSeq, 0, "a failed batch does not count as seen");
  await fire(timers); // delivered
  assert.deepEqual(delivered.map(keys), [[record.name]]);
  assert.deepEqual(
    log.errors.map((entry) => [entry.message, (entry.details as { err: Error }).err.message]),
    [
      ["change feed poll failed", "connection reset"],
      ["change feed poll failed", "index refused"],
    ],
  );
  assert.equal(timers.pending.length, 1, "still polling");
  await poller.stop();
});

test("stop waits for the poll in flight and schedules nothing after it", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let finished = false;
  const poller = new ChangePoller({
    feed: storage.changes,
    after: 0,
    onChanges: async () => {
      await gate;
      finished = true;
    },
    log,
    timers,
  });
  await storage.authz.insertRoleAssignment(assignment());
  poller.start();
  await fire(timers);
  let stopped = false;
  const stopping = poller.stop().then(() => (stopped = true));
  await settle();
  assert.equal(stopped, false, "stop returned while onChanges was running");
  release();
  await stopping;
  assert.equal(finished, true);
  assert.deepEqual(timers.pending, []);

  // Stopped before its first tick: the timer is cleared.
  const idle = new ChangePoller({
    feed: storage.changes,
    after: 0,
    onChanges: () => {},
    log,
    timers,
  });
  idle.start();
  assert.equal(timers.pending.length, 1);
  await idle.stop();
  assert.deepEqual(timers.pending, []);
});

test("with real timers a write reaches the callback within the interval", async () => {
  const seen: string[] = [];
  const poller = new ChangePoller({
    feed: storage.changes,
    after: await storage.changes.latestSeq(),
    onChanges: (changes) => void seen.push(...keys(changes)),
    log,
    intervalMs: 10,
  });
  poller.start();
  try {
    const record = assignment();
    await storage.authz.insertRoleAssignment(record);
    const deadline = Date.now() + 2000;
    while (seen.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(seen, [record.name]);
  } finally {
    await poller.stop();
  }
});
