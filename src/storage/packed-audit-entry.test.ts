import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuditEntry } from "../audit/index.js";
import { packAuditEntries, unpackAuditEntry } from "./packed-audit-entry.js";

const roundTrip = (entries: AuditEntry[]): AuditEntry[] =>
  structuredClone(packAuditEntries(entries)).map(unpackAuditEntry);

const tokenCall: AuditEntry = {
  at: 1_767_225_600_000,
  requestId: "0b7c6f0e-5f1e-4c47-9a4e-0f5b2d1c3a99",
  tenantId: "tenant",
  principal: { objectId: "oid", type: "ServicePrincipal", appId: "app", displayName: "app one" },
  authMethod: "token",
  clientAddress: "10.0.0.1",
  accountId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
  deploymentId:
    "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a/deployments/d",
  operation: "chat/completions",
  dataAction: "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
  decision: "allowed",
  decidedBy: "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/r",
  status: 200,
  latencyMs: 12.75,
  promptTokens: 0,
  completionTokens: 9,
};

test("a packed entry unpacks to the same entry, every field in place", () => {
  assert.deepEqual(roundTrip([tokenCall]), [tokenCall]);
});

test("absent fields stay absent: a refused anonymous call, a user without an app", () => {
  const refused: AuditEntry = {
    at: 1,
    requestId: "r",
    authMethod: "none",
    clientAddress: "::1",
    operation: "unknown",
    decision: "denied",
    decidedBy: "401",
    status: 401,
    latencyMs: 0,
  };
  const user: AuditEntry = { ...tokenCall, principal: { objectId: "u", type: "User" } };
  for (const entry of [refused, user]) {
    const [unpacked] = roundTrip([entry]);
    assert.deepEqual(unpacked, entry);
    assert.deepEqual(Object.keys(unpacked).sort(), Object.keys(entry).sort());
  }
});

test("a run of one caller's entries shares one subject; each entry keeps its own fields", () => {
  const { completionTokens: _, ...uncounted } = tokenCall;
  const { principal: __, ...keyCall } = tokenCall;
  const second: AuditEntry = { ...uncounted, requestId: "second", status: 429 };
  const other: AuditEntry = {
    ...keyCall,
    requestId: "other",
    authMethod: "key1",
    decidedBy: "Key1",
  };
  const batch = [tokenCall, second, other, tokenCall];
  const packed = packAuditEntries(batch);
  const subjects = packed.map((entry) => entry[9]);
  assert.equal(subjects[0], subjects[1]);
  assert.notEqual(subjects[1], subjects[2]);
  assert.notEqual(subjects[2], subjects[3]);
  assert.deepEqual(subjects[3], subjects[0]);
  assert.deepEqual(structuredClone(packed).map(unpackAuditEntry), batch);
});
