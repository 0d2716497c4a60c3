/**
 * Every data-plane call leaves one audit record naming who called what and what was decided:
 * token calls with the principal and the role assignment that granted them, key calls with the
 * key slot, refusals with the code the caller got, streams with their token usage. The records
 * form one verifiable hash chain, are read back through Keyless.Audit, and survive a graceful
 * shutdown of a real `keyless start` process.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { verifyAuditChain, type AuditRecord } from "../../src/audit/index.js";
import { openStorage } from "../../src/storage/index.js";
import { armRequest, devUser, mintToken } from "../support/arm-requests.js";
import { eventually } from "../support/eventually.js";
import { spawnKeyless, startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { createTestServicePrincipal } from "../support/test-principals.js";

const CHAT_PATH =
  "/accounts/keyless-dev-ai/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";
const chatBody = (stream = false) =>
  JSON.stringify({ messages: [{ role: "user", content: "audit me" }], max_tokens: 8, stream });

async function chat(baseUrl: string, headers: Record<string, string>, stream = false) {
  const response = await fetch(`${baseUrl}${CHAT_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: chatBody(stream),
  });
  await response.text();
  return response;
}

describe("audit records of data-plane calls", () => {
  let keyless: TestKeyless;
  let key1: string;
  let records: AuditRecord[];
  const requestIds: Record<string, string> = {};

  before(async () => {
    keyless = await startTestKeyless();
    const owner = await mintToken(keyless, devUser(keyless));
    const keys = await armRequest(
      keyless,
      "POST",
      `${keyless.env.account.resourceId}/listKeys?api-version=2023-05-01`,
      { token: owner },
    );
    key1 = keys.json<{ key1: string }>().key1;
    const { appId, secret } = keyless.env.servicePrincipal;
    const token = await mintToken(
      keyless,
      { appId, secret },
      "https://cognitiveservices.azure.com",
    );
    const stranger = await createTestServicePrincipal(keyless, "audit-stranger");
    const strangerToken = await mintToken(
      keyless,
      { appId: stranger.appId, secret: stranger.secret },
      "https://cognitiveservices.azure.com",
    );
    const calls: Array<[string, Record<string, string>, boolean]> = [
      ["token", { authorization: `Bearer ${token}` }, false],
      ["stream", { authorization: `Bearer ${token}` }, true],
      ["key", { "api-key": key1 }, false],
      ["denied", { authorization: `Bearer ${strangerToken}` }, false],
      ["anonymous", {}, false],
    ];
    for (const [name, headers, stream] of calls) {
      const response = await chat(keyless.httpsUrl, headers, stream);
      requestIds[name] = response.headers.get("x-ms-request-id")!;
    }
    records = await eventually(async () => {
      const found = await keyless.server.storage.audit.queryAudit({ top: 100 });
      const seen = new Set(found.map((record) => record.requestId));
      assert.ok(
        Object.values(requestIds).every((id) => seen.has(id)),
        "not all written yet",
      );
      return found;
    });
  });

  after(() => keyless.stop());

  const recordOf = (name: string) => records.find((r) => r.requestId === requestIds[name])!;

  test("a token call names the principal, the data action and the assignment that granted it", () => {
    const record = recordOf("token");
    const sp = keyless.env.servicePrincipal;
    assert.equal(record.authMethod, "token");
    assert.equal(record.decision, "allowed");
    assert.equal(record.status, 200);
    assert.equal(record.principal?.objectId, sp.objectId);
    assert.equal(record.principal?.type, "ServicePrincipal");
    assert.equal(record.principal?.appId, sp.appId);
    assert.equal(record.tenantId, keyless.env.tenantId);
    assert.equal(record.accountId, keyless.env.account.resourceId);
    assert.equal(record.deploymentId, `${keyless.env.account.resourceId}/deployments/gpt-4o`);
    assert.equal(record.operation, "chat/completions");
    assert.equal(
      record.dataAction,
      "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
    );
    assert.match(
      record.decidedBy ?? "",
      new RegExp(
        `^${keyless.env.account.resourceId}/providers/Microsoft\\.Authorization/roleAssignments/[0-9a-f-]{36}$`,
        "i",
      ),
    );
    assert.ok(record.promptTokens! > 0 && record.completionTokens! > 0);
    assert.equal(record.clientAddress.replace(/^::ffff:/, ""), "127.0.0.1");
    assert.ok(record.latencyMs >= 0);
  });

  test("a stream's record carries the usage its last chunk reported", () => {
    const record = recordOf("stream");
    assert.equal(record.status, 200);
    assert.equal(record.completionTokens, 8);
    assert.ok(record.promptTokens! > 0);
  });

  test("a key call names the key slot and no principal", () => {
    const record = recordOf("key");
    assert.equal(record.authMethod, "key1");
    assert.equal(record.decidedBy, "Key1");
    assert.equal(record.principal, undefined);
    assert.equal(record.tenantId, keyless.env.tenantId);
  });

  test("refusals are recorded with the code the caller got", () => {
    const denied = recordOf("denied");
    assert.equal(denied.decision, "denied");
    assert.equal(denied.status, 401);
    assert.equal(denied.decidedBy, "PermissionDenied");
    assert.ok(denied.principal?.objectId);
    const anonymous = recordOf("anonymous");
    assert.equal(anonymous.authMethod, "none");
    assert.equal(anonymous.decidedBy, "401");
  });

  test("a body that cannot be read is refused in Azure's shape, and audited too", async () => {
    for (const [contentType, body, status] of [
      ["application/json", "{not json", 400],
      ["application/xml", "<chat/>", 415],
    ] as const) {
      const response = await fetch(`${keyless.httpsUrl}${CHAT_PATH}`, {
        method: "POST",
        headers: { "content-type": contentType, "api-key": key1 },
        body,
      });
      assert.equal(response.status, status);
      const error = ((await response.json()) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, status === 400 ? "BadRequest" : "UnsupportedMediaType");
      const requestId = response.headers.get("x-ms-request-id")!;
      await eventually(async () => {
        const found = await keyless.server.storage.audit.queryAudit({ top: 100 });
        const record = found.find((r) => r.requestId === requestId);
        assert.equal(record?.status, status);
      });
    }
  });

  test("the records form one hash chain", () => {
    assert.deepEqual(verifyAuditChain([...records].reverse()), { ok: true });
  });

  test("Keyless.Audit answers who still uses keys", async () => {
    const owner = await mintToken(keyless, devUser(keyless));
    const response = await armRequest(
      keyless,
      "GET",
      `/subscriptions/${keyless.env.subscriptionId}/providers/Keyless.Audit/records?api-version=2025-01-01&authMethod=key1`,
      { token: owner },
    );
    assert.equal(response.statusCode, 200, response.body);
    const page = response.json<{ value: Array<{ requestId: string; authMethod: string }> }>();
    assert.ok(page.value.some((record) => record.requestId === requestIds.key));
    assert.ok(page.value.every((record) => record.authMethod === "key1"));
  });
});

test("entries still queued at a graceful shutdown are written before the process exits", async () => {
  // A flush interval far beyond the test: only the shutdown can write these entries.
  const keyless = await spawnKeyless({ KEYLESS_AUDIT_FLUSH_INTERVAL_MS: "3600000" });
  const sent: string[] = [];
  try {
    const { appId, secret } = keyless.env.servicePrincipal;
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: appId,
      client_secret: secret,
      scope: "https://cognitiveservices.azure.com/.default",
    });
    const tokenResponse = await fetch(
      `${keyless.httpsUrl}/${keyless.env.tenantId}/oauth2/v2.0/token`,
      { method: "POST", body: form },
    );
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    for (let i = 0; i < 3; i++) {
      const response = await chat(keyless.httpsUrl, { authorization: `Bearer ${token}` });
      assert.equal(response.status, 200);
      sent.push(response.headers.get("x-ms-request-id")!);
    }
    const exited = once(keyless.child, "exit");
    keyless.child.kill("SIGTERM");
    await exited;
    assert.equal(keyless.child.exitCode, 0, keyless.stdout());

    const storage = await openStorage({ sqlitePath: join(keyless.dataDir, "keyless.db") });
    try {
      const written = await storage.audit.queryAudit({ top: 100 });
      const ids = new Set(written.map((record) => record.requestId));
      for (const id of sent) assert.ok(ids.has(id), `request ${id} was not audited`);
      assert.deepEqual(verifyAuditChain([...written].reverse()), { ok: true });
    } finally {
      await storage.close();
    }
  } finally {
    if (keyless.child.exitCode === null) await keyless.stop();
    rmSync(keyless.dataDir, { recursive: true, force: true });
  }
});
