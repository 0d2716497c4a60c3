/**
 * Migration 5 on SQLite and PostgreSQL (STYLE rule 8): records written in the wide layout of
 * migration 4 keep every field and their chain once their subjects move to `audit_subjects`, and
 * the writer finds those subjects again instead of storing them twice.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, test } from "node:test";
import { extendChain, verifyAuditChain, type AuditEntry } from "../../src/audit/index.js";
import { migrate } from "../../src/storage/migrations.js";
import { PostgresDb } from "../../src/storage/postgres-db.js";
import { SqlAuditStore } from "../../src/storage/sql-audit-store.js";
import type { SqlDb } from "../../src/storage/sql-db.js";
import { SqliteDb } from "../../src/storage/sqlite-db.js";
import { backends, type Backend } from "./backends.js";

const ACCOUNT =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/RG/providers/Microsoft.CognitiveServices/accounts/Acct";

const tokenEntry = (displayName: string): AuditEntry => ({
  at: Date.UTC(2026, 0, 1),
  requestId: randomUUID(),
  tenantId: "00000000-0000-0000-0000-0000000000aa",
  principal: { objectId: "00000000-0000-0000-0000-0000000000bb", type: "User", displayName },
  authMethod: "token",
  clientAddress: "10.0.0.7",
  accountId: ACCOUNT,
  deploymentId: `${ACCOUNT}/deployments/gpt-4o`,
  operation: "chat/completions",
  dataAction: "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
  decision: "allowed",
  decidedBy: `${ACCOUNT}/providers/Microsoft.Authorization/roleAssignments/r1`,
  status: 200,
  latencyMs: 12.5,
  promptTokens: 3,
  completionTokens: 4,
});

const keyEntry = (): AuditEntry => ({
  at: Date.UTC(2026, 0, 2),
  requestId: randomUUID(),
  authMethod: "key1",
  clientAddress: "10.0.0.8",
  accountId: ACCOUNT,
  operation: "embeddings",
  decision: "allowed",
  decidedBy: "Key1",
  status: 200,
  latencyMs: 3,
});

/** Migration 4's INSERT, as the writer of that layout ran it. */
const WIDE_INSERT = `INSERT INTO audit_records (seq, at, request_id, tenant_id,
  principal_object_id, principal_type, principal_app_id, principal_display_name, auth_method,
  client_address, account_id, account_key, deployment_id, operation, data_action, decision,
  decided_by, status, latency_ms, prompt_tokens, completion_tokens, prev_hash, hash)
  VALUES (${Array.from({ length: 23 }, () => "?").join(", ")})`;

async function openDb(backend: Backend): Promise<{ db: SqlDb; discard: () => Promise<void> }> {
  const options = backend.freshOptions();
  if (options.sqlitePath) {
    const db = new SqliteDb(options.sqlitePath);
    return { db, discard: () => backend.discard(options) };
  }
  const db = new PostgresDb(options.databaseUrl!, options.schema);
  await db.init();
  return { db, discard: () => backend.discard(options) };
}

const subjectCount = async (db: SqlDb) =>
  Number((await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM audit_subjects"))[0]!.n);

for (const backend of backends) {
  describe(`audit migration 5 on ${backend.name}`, () => {
    const opened: Array<{ db: SqlDb; discard: () => Promise<void> }> = [];
    after(async () => {
      for (const { db, discard } of opened) {
        await db.close();
        await discard();
      }
    });

    test("wide records keep every field and their chain; their subjects are found again", async () => {
      const handle = await openDb(backend);
      opened.push(handle);
      const { db } = handle;
      assert.deepEqual(await migrate(db, 4), [1, 2, 3, 4]);
      // Two callers share a subject; one name holds the fingerprint's separator and escape.
      const entries = [
        tokenEntry("Ada"),
        tokenEntry("Ada"),
        tokenEntry("A|d\\a"),
        tokenEntry("A\\|da"),
        keyEntry(),
      ];
      const wide = extendChain(undefined, entries);
      await db.transaction(async (tx) => {
        for (const r of wide) {
          await tx.execute(WIDE_INSERT, [
            r.seq,
            r.at,
            r.requestId,
            r.tenantId ?? null,
            r.principal?.objectId ?? null,
            r.principal?.type ?? null,
            r.principal?.appId ?? null,
            r.principal?.displayName ?? null,
            r.authMethod,
            r.clientAddress,
            r.accountId ?? null,
            r.accountId?.toLowerCase() ?? null,
            r.deploymentId ?? null,
            r.operation,
            r.dataAction ?? null,
            r.decision,
            r.decidedBy ?? null,
            r.status,
            r.latencyMs,
            r.promptTokens ?? null,
            r.completionTokens ?? null,
            r.prevHash,
            r.hash,
          ]);
        }
      });

      assert.deepEqual(await migrate(db), [5]);
      const store = new SqlAuditStore(db, extendChain);
      const stored = (await store.queryAudit({ top: 100 })).reverse();
      assert.deepEqual(stored, wide);
      assert.deepEqual(verifyAuditChain(stored), { ok: true });
      assert.equal(await subjectCount(db), 4);
      assert.deepEqual(
        (await store.queryAudit({ top: 100, scope: ACCOUNT.toLowerCase() })).length,
        5,
      );

      // The same callers again: linked on, and no subject stored a second time.
      const later = await store.appendBatch([tokenEntry("A|d\\a"), tokenEntry("Ada"), keyEntry()]);
      assert.equal(later[0]!.prevHash, wide.at(-1)!.hash);
      assert.equal(await subjectCount(db), 4);
      const chain = (await store.queryAudit({ top: 100 })).reverse();
      assert.deepEqual(chain, [...wide, ...later]);
      assert.deepEqual(verifyAuditChain(chain), { ok: true });
    });
  });
}
