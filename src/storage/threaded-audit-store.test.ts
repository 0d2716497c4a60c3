import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuditEntry } from "../audit/index.js";
import { ThreadedAuditStore } from "./threaded-audit-store.js";

const entry: AuditEntry = {
  at: 1,
  requestId: "r",
  authMethod: "none",
  clientAddress: "127.0.0.1",
  operation: "chat/completions",
  decision: "denied",
  status: 401,
  latencyMs: 1,
};

test("a database the writer thread cannot open fails each batch instead of hanging", async () => {
  const store = new ThreadedAuditStore("/nonexistent-folder/keyless.db", {
    queryAudit: async () => [],
  });
  await assert.rejects(
    store.appendBatch([entry]),
    /unable to open|directory does not exist|exited/,
  );
  // The next append starts a new thread, which fails the same way: nothing is silently dropped.
  await assert.rejects(store.appendBatch([entry]));
  await store.close();
});
