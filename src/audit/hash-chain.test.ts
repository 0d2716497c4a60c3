import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import {
  GENESIS_HASH,
  canonicalJson,
  chainHash,
  chainedEntry,
  entryJson,
  extendChain,
  verifyAuditChain,
} from "./hash-chain.js";
import type { AuditEntry, AuditRecord } from "./model.js";

const entry = (n: number, fields: Partial<AuditEntry> = {}): AuditEntry => ({
  at: Date.UTC(2026, 0, 1) + n,
  requestId: `request-${n}`,
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  principal: { objectId: "3f2b5d9e-6a47-4c0b-9d1e-2a6f8c3b7e10", type: "ServicePrincipal" },
  authMethod: "token",
  clientAddress: "10.0.0.7",
  accountId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
  deploymentId:
    "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a/deployments/gpt",
  operation: "chat/completions",
  dataAction: "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
  decision: "allowed",
  decidedBy: "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/r",
  status: 200,
  latencyMs: 12.5,
  promptTokens: 10,
  completionTokens: 20,
  ...fields,
});

const chainOf = (count: number): AuditRecord[] =>
  extendChain(
    undefined,
    Array.from({ length: count }, (_, n) => entry(n)),
  );

test("canonical JSON sorts keys at every level and leaves undefined fields out", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: undefined, c: "x" }, e: undefined, f: [2, { h: 1, g: 0 }] }),
    '{"a":{"c":"x"},"b":1,"f":[2,{"g":0,"h":1}]}',
  );
});

test("the hash is SHA-256 over prevHash then the entry's canonical JSON", () => {
  const bare: AuditEntry = {
    at: 1,
    requestId: "r",
    authMethod: "key1",
    clientAddress: "::1",
    operation: "embeddings",
    decision: "allowed",
    decidedBy: "Key1",
    status: 200,
    latencyMs: 3,
  };
  const expected = createHash("sha256")
    .update(
      GENESIS_HASH +
        '{"at":1,"authMethod":"key1","clientAddress":"::1","decidedBy":"Key1","decision":"allowed",' +
        '"latencyMs":3,"operation":"embeddings","requestId":"r","status":200}',
    )
    .digest("hex");
  assert.equal(chainHash(GENESIS_HASH, bare), expected);
  // Field order, explicit undefineds and fields the entry does not declare change nothing.
  const shuffled = {
    ...Object.fromEntries(Object.entries(bare).reverse()),
    tenantId: undefined,
    extra: "not hashed",
  } as unknown as AuditEntry;
  assert.equal(chainHash(GENESIS_HASH, shuffled), expected);
});

test("the fast entry JSON is exactly the canonical JSON of the chained entry", () => {
  const full = entry(1, {
    principal: { objectId: "o", type: "User", appId: "a", displayName: 'Ann "Q"' },
  });
  const sparse = entry(2, {
    principal: undefined,
    tenantId: undefined,
    deploymentId: undefined,
    dataAction: undefined,
    promptTokens: undefined,
    completionTokens: undefined,
  });
  const withExtras = { ...entry(3), extra: 1, principal: { objectId: "o", type: "User", x: 2 } };
  const awkward = entry(4, {
    accountId: 'a"\\\u0000\u2028\ud800',
    decidedBy: "Key1",
    principal: { objectId: "", type: "User", displayName: "\u00e9\ud83d\ude00" },
    latencyMs: -0,
    promptTokens: Number.NaN,
  });
  const empty = {} as AuditEntry;
  // Callers alternate and come back: the pieces a caller repeats are never another caller's.
  const sequence = [full, full, sparse, full, withExtras as AuditEntry, awkward, entry(5), empty];
  for (const value of [...sequence, ...sequence.reverse()]) {
    assert.equal(entryJson(value), canonicalJson(chainedEntry(value)));
  }
});

test("entries that differ in one repeated field alone hash apart", () => {
  const base = entry(1);
  const variants: AuditEntry[] = [
    base,
    { ...base, accountId: `${base.accountId}x` },
    { ...base, dataAction: "other" },
    { ...base, decidedBy: "Key2" },
    { ...base, decision: "denied" },
    { ...base, deploymentId: undefined },
    { ...base, operation: "embeddings" },
    { ...base, tenantId: "t" },
    { ...base, principal: undefined },
    { ...base, principal: { ...base.principal!, appId: "app" } },
    { ...base, principal: { ...base.principal!, displayName: "d" } },
    { ...base, principal: { ...base.principal!, objectId: "o" } },
    { ...base, principal: { ...base.principal!, type: "User" } },
  ];
  const hashes = variants.map((value) => chainHash(GENESIS_HASH, value));
  assert.equal(new Set(hashes).size, variants.length);
  variants.forEach((value, i) =>
    assert.equal(entryJson(value), canonicalJson(chainedEntry(value)), `variant ${i}`),
  );
});

test("extendChain numbers records on from the tail and links each to the one before", () => {
  const first = chainOf(2);
  assert.deepEqual(
    first.map((r) => r.seq),
    [1, 2],
  );
  assert.equal(first[0]!.prevHash, GENESIS_HASH);
  assert.equal(first[1]!.prevHash, first[0]!.hash);
  const more = extendChain({ seq: 2, hash: first[1]!.hash }, [entry(2), entry(3)]);
  assert.deepEqual(
    more.map((r) => r.seq),
    [3, 4],
  );
  assert.deepEqual(verifyAuditChain([...first, ...more]), { ok: true });
  // A window of the log verifies from the hash of the record before it.
  assert.deepEqual(verifyAuditChain(more, first[1]!.hash), { ok: true });
  assert.deepEqual(verifyAuditChain([]), { ok: true });
});

test("an edited record is found at its seq", () => {
  const records = chainOf(5);
  records[2] = { ...records[2]!, status: 403 };
  assert.deepEqual(verifyAuditChain(records), {
    ok: false,
    seq: 3,
    reason: "its hash does not match its content",
  });
});

test("an edited record whose hash was recomputed breaks the link to the next", () => {
  const records = chainOf(5);
  const edited = { ...records[2]!, principal: undefined };
  records[2] = { ...edited, hash: chainHash(edited.prevHash, edited) };
  assert.deepEqual(verifyAuditChain(records), {
    ok: false,
    seq: 4,
    reason: "its prevHash is not the previous record's hash",
  });
});

test("a removed record is found, whether or not the seqs were closed up", () => {
  const records = chainOf(5);
  assert.deepEqual(verifyAuditChain([...records.slice(0, 2), ...records.slice(3)]), {
    ok: false,
    seq: 4,
    reason: "record 3 is missing",
  });
  const renumbered = [
    ...records.slice(0, 2),
    ...records.slice(3).map((r) => ({ ...r, seq: r.seq - 1 })),
  ];
  assert.deepEqual(verifyAuditChain(renumbered), {
    ok: false,
    seq: 3,
    reason: "its prevHash is not the previous record's hash",
  });
  // The first record removed: the chain no longer starts at the genesis hash.
  assert.equal(verifyAuditChain(records.slice(1)).ok, false);
});

test("reordered records are found", () => {
  const records = chainOf(5);
  assert.deepEqual(verifyAuditChain([records[0]!, records[2]!, records[1]!]), {
    ok: false,
    seq: 3,
    reason: "record 2 is missing",
  });
  // Contents swapped between two seqs.
  const swapped = [
    records[0]!,
    { ...records[2]!, seq: 2 },
    { ...records[1]!, seq: 3 },
    ...records.slice(3),
  ];
  assert.deepEqual(verifyAuditChain(swapped), {
    ok: false,
    seq: 2,
    reason: "its prevHash is not the previous record's hash",
  });
  assert.deepEqual(verifyAuditChain([records[1]!, records[0]!], records[0]!.hash), {
    ok: false,
    seq: 1,
    reason: "it follows record 2",
  });
});
