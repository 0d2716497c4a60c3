/**
 * The audit store on SQLite and PostgreSQL (STYLE rule 8): records round-trip every field, seqs
 * follow each other, one chain runs across appends (and across replicas appending at once on one
 * PostgreSQL), and the query filters pick the right records, newest first.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  GENESIS_HASH,
  verifyAuditChain,
  type AuditEntry,
  type AuditQuery,
  type AuditRecord,
} from "../../src/audit/index.js";
import { openStorage, type Storage, type StorageOptions } from "../../src/storage/index.js";
import { backends, postgres } from "./backends.js";

const NOW = Date.UTC(2026, 0, 1);

const accountIn = (subscription: string, group: string, name: string) =>
  `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.CognitiveServices/accounts/${name}`;

const entry = (fields: Partial<AuditEntry> = {}): AuditEntry => {
  const accountId = accountIn(randomUUID(), "rg", "acct");
  return {
    at: NOW,
    requestId: randomUUID(),
    tenantId: randomUUID(),
    principal: {
      objectId: randomUUID(),
      type: "ServicePrincipal",
      appId: randomUUID(),
      displayName: "inference app",
    },
    authMethod: "token",
    clientAddress: "10.1.2.3",
    accountId,
    deploymentId: `${accountId}/deployments/gpt-4o`,
    operation: "chat/completions",
    dataAction: "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
    decision: "allowed",
    decidedBy: `/subscriptions/${randomUUID()}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
    status: 200,
    latencyMs: 123.456789,
    promptTokens: 31,
    completionTokens: 1024,
    ...fields,
  };
};

/** A key caller's entry: no principal, tenant or tokens. */
const keyEntry = (fields: Partial<AuditEntry> = {}): AuditEntry => {
  const { principal: _principal, tenantId: _tenant, dataAction: _action, ...rest } = entry();
  const { promptTokens: _prompt, completionTokens: _completion, ...bare } = rest;
  return { ...bare, authMethod: "key1", decidedBy: "Key1", ...fields };
};

/** Every record, oldest first, read page by page as the query API does. */
async function wholeChain(storage: Storage): Promise<AuditRecord[]> {
  const newestFirst: AuditRecord[] = [];
  for (;;) {
    const page = await storage.audit.queryAudit({
      top: 500,
      beforeSeq: newestFirst.at(-1)?.seq,
    });
    newestFirst.push(...page);
    if (page.length < 500) return newestFirst.reverse();
  }
}

const requestIds = (records: AuditRecord[]) => records.map((r) => r.requestId);

for (const backend of backends) {
  describe(`audit storage conformance on ${backend.name}`, () => {
    let options: StorageOptions;
    let storage: Storage;

    before(async () => {
      options = backend.freshOptions();
      storage = await openStorage(options);
    });
    after(async () => {
      await storage?.close();
      await backend.discard(options);
    });

    const query = (fields: Omit<AuditQuery, "top"> & { top?: number }) =>
      storage.audit.queryAudit({ top: 100, ...fields });

    test("the first append starts the chain at seq 1 and every field round-trips", async () => {
      const entries = [
        entry(),
        keyEntry(),
        entry({ principal: { objectId: randomUUID(), type: "User" } }),
      ];
      const appended = await storage.audit.appendBatch(entries);
      assert.deepEqual(
        appended.map((r) => r.seq),
        [1, 2, 3],
      );
      assert.equal(appended[0]!.prevHash, GENESIS_HASH);
      assert.deepEqual(
        appended.map(({ seq: _seq, prevHash: _prev, hash: _hash, ...stored }) => stored),
        entries,
      );
      assert.deepEqual((await query({})).reverse(), appended);
      assert.deepEqual(verifyAuditChain(await wholeChain(storage)), { ok: true });
    });

    test("runs of one caller's entries, broken by another's, keep each record's subject", async () => {
      const caller = entry();
      const again = (fields: Partial<AuditEntry>) => ({
        ...caller,
        requestId: randomUUID(),
        ...fields,
      });
      const entries = [
        caller,
        again({ status: 429, completionTokens: 0 }),
        keyEntry(),
        again({ decidedBy: "PermissionDenied", decision: "denied", status: 403 }),
        again({ clientAddress: "10.9.9.9" }),
      ];
      await storage.audit.append(entries);
      const stored = (await query({ top: entries.length })).reverse();
      assert.deepEqual(
        stored.map(({ seq: _seq, prevHash: _prev, hash: _hash, ...fields }) => fields),
        entries,
      );
      assert.deepEqual(verifyAuditChain(await wholeChain(storage)), { ok: true });
    });

    test("an empty batch writes nothing", async () => {
      const before = await wholeChain(storage);
      assert.deepEqual(await storage.audit.appendBatch([]), []);
      assert.deepEqual(await wholeChain(storage), before);
    });

    test("a second append links on from the newest stored record", async () => {
      const tail = (await query({ top: 1 }))[0]!;
      const first = await storage.audit.appendBatch([entry(), entry()]);
      const second = await storage.audit.appendBatch([entry()]);
      assert.equal(first[0]!.seq, tail.seq + 1);
      assert.equal(first[0]!.prevHash, tail.hash);
      assert.equal(second[0]!.seq, first[1]!.seq + 1);
      assert.equal(second[0]!.prevHash, first[1]!.hash);
      assert.deepEqual(verifyAuditChain(await wholeChain(storage)), { ok: true });
    });

    test("append stores what appendBatch would, linked on, without answering the records", async () => {
      const tail = (await query({ top: 1 }))[0]!;
      const entries = [entry(), keyEntry()];
      assert.equal(await storage.audit.append(entries), undefined);
      const stored = (await query({ top: 2 })).reverse();
      assert.deepEqual(requestIds(stored), requestIds(entries as AuditRecord[]));
      assert.equal(stored[0]!.seq, tail.seq + 1);
      assert.equal(stored[0]!.prevHash, tail.hash);
      assert.deepEqual(verifyAuditChain(await wholeChain(storage)), { ok: true });
    });

    test("a batch larger than one INSERT stays one ordered chain", async () => {
      // More than two INSERTs' rows on either database, the last one partly filled.
      const entries = Array.from({ length: 260 }, () => entry());
      const appended = await storage.audit.appendBatch(entries);
      assert.deepEqual(requestIds(appended), requestIds(entries as AuditRecord[]));
      const chain = await wholeChain(storage);
      assert.deepEqual(requestIds(chain.slice(-260)), requestIds(appended));
      assert.deepEqual(verifyAuditChain(chain), { ok: true });
    });

    test("scope: records whose account is at or below it, case-insensitively", async () => {
      const subscription = randomUUID();
      const inA = entry({ accountId: accountIn(subscription, "rg-one", "acct") });
      const inB = entry({ accountId: accountIn(subscription, "rg-one", "acct-b") });
      const inOtherGroup = entry({ accountId: accountIn(subscription, "rg-two", "acct") });
      const noAccount = entry({ accountId: undefined, deploymentId: undefined });
      await storage.audit.appendBatch([inA, inB, inOtherGroup, noAccount]);

      const ids = async (scope: string) => requestIds(await query({ scope })).reverse();
      assert.deepEqual(await ids(`/subscriptions/${subscription}`), [
        inA.requestId,
        inB.requestId,
        inOtherGroup.requestId,
      ]);
      assert.deepEqual(
        await ids(`/SUBSCRIPTIONS/${subscription.toUpperCase()}/resourcegroups/RG-ONE/`),
        [inA.requestId, inB.requestId],
      );
      // `…/accounts/acct` is not a prefix match for `…/accounts/acct-b`.
      assert.deepEqual(await ids(accountIn(subscription, "rg-one", "ACCT")), [inA.requestId]);
      assert.deepEqual(await ids(`/subscriptions/${subscription}/resourceGroups/rg`), []);
      assert.ok(
        (await query({ scope: "/", top: 1000 })).some((r) => r.requestId === noAccount.requestId),
      );
    });

    test("principal, auth method and time filters combine", async () => {
      const subscription = randomUUID();
      const scope = `/subscriptions/${subscription}`;
      const accountId = accountIn(subscription, "rg", "acct");
      const alice = { objectId: randomUUID(), type: "User" };
      const records = [
        entry({ accountId, principal: alice, at: NOW + 1000 }),
        entry({ accountId, principal: alice, at: NOW + 2000, decision: "denied", status: 403 }),
        entry({ accountId, at: NOW + 2000 }),
        keyEntry({ accountId, at: NOW + 3000 }),
        keyEntry({ accountId, at: NOW + 4000, authMethod: "key2", decidedBy: "Key2" }),
        keyEntry({
          accountId,
          at: NOW + 5000,
          authMethod: "none",
          decision: "denied",
          status: 401,
        }),
      ];
      await storage.audit.appendBatch(records);
      const ids = async (filter: Omit<AuditQuery, "top">) =>
        requestIds(await query({ scope, ...filter })).reverse();
      const id = (i: number) => records[i]!.requestId;

      assert.deepEqual(await ids({ principalId: alice.objectId }), [id(0), id(1)]);
      assert.deepEqual(await ids({ authMethod: "token" }), [id(0), id(1), id(2)]);
      assert.deepEqual(await ids({ authMethod: "key2" }), [id(4)]);
      assert.deepEqual(await ids({ authMethod: "none" }), [id(5)]);
      // Both ends inclusive.
      assert.deepEqual(await ids({ from: NOW + 2000, to: NOW + 4000 }), [
        id(1),
        id(2),
        id(3),
        id(4),
      ]);
      assert.deepEqual(await ids({ from: NOW + 4500 }), [id(5)]);
      assert.deepEqual(await ids({ to: NOW + 1000 }), [id(0)]);
      assert.deepEqual(await ids({ principalId: alice.objectId, from: NOW + 1500 }), [id(1)]);
      assert.deepEqual(await ids({ principalId: randomUUID() }), []);
    });

    test("pages run newest first: top, then beforeSeq from the last seq served", async () => {
      const subscription = randomUUID();
      const scope = `/subscriptions/${subscription}`;
      const entries = Array.from({ length: 5 }, () =>
        entry({ accountId: accountIn(subscription, "rg", "acct") }),
      );
      const appended = await storage.audit.appendBatch(entries);
      const newestFirst = appended.slice().reverse();

      const first = await query({ scope, top: 2 });
      assert.deepEqual(first, newestFirst.slice(0, 2));
      const second = await query({ scope, top: 2, beforeSeq: first[1]!.seq });
      assert.deepEqual(second, newestFirst.slice(2, 4));
      const last = await query({ scope, top: 2, beforeSeq: second[1]!.seq });
      assert.deepEqual(last, newestFirst.slice(4));
    });
  });
}

describe("two replicas appending at once on one PostgreSQL schema", () => {
  let options: StorageOptions;
  let replicas: Storage[] = [];

  before(async () => {
    options = postgres.freshOptions();
    replicas = [await openStorage(options), await openStorage(options)];
  });
  after(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await postgres.discard(options);
  });

  test("their batches interleave into one valid chain, nothing lost", async () => {
    const batches = Array.from({ length: 40 }, (_, b) =>
      Array.from({ length: 1 + (b % 7) }, () => entry()),
    );
    // Each replica writes its half, several batches in flight at a time.
    await Promise.all(batches.map((batch, b) => replicas[b % 2]!.audit.appendBatch(batch)));
    const chain = await wholeChain(replicas[0]!);
    assert.deepEqual(verifyAuditChain(chain), { ok: true });
    assert.deepEqual(
      chain.map((r) => r.seq),
      chain.map((_, i) => i + 1),
    );
    assert.deepEqual(
      requestIds(chain).sort(),
      batches
        .flat()
        .map((e) => e.requestId)
        .sort(),
    );
    // Each batch stayed together, in its own order.
    for (const batch of batches) {
      const start = chain.findIndex((r) => r.requestId === batch[0]!.requestId);
      assert.deepEqual(
        requestIds(chain.slice(start, start + batch.length)),
        batch.map((e) => e.requestId),
      );
    }
  });
});
