/**
 * The data plane of replica B follows what replica A's control plane writes, within one second,
 * with both on one PostgreSQL schema: a regenerated key, `disableLocalAuth` and a new deployment.
 * B serves data-plane calls from its in-memory account catalog, so only the change feed can have
 * told it. Both replicas append their audit records to one hash chain.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import pg from "pg";
import { verifyAuditChain } from "../../src/audit/index.js";
import { armRequest, devUser, mintToken } from "../support/arm-requests.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";

const POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";
const schema = `kl_data_${randomBytes(6).toString("hex")}`;
let a: TestKeyless | undefined;
let b: TestKeyless | undefined;

before(async () => {
  const shared = {
    KEYLESS_DATABASE_URL: POSTGRES_URL,
    KEYLESS_MASTER_KEY: randomBytes(32).toString("base64"),
  };
  a = await startTestKeyless(shared, { databaseSchema: schema });
  b = await startTestKeyless(shared, { databaseSchema: schema });
});
after(async () => {
  await a?.stop();
  await b?.stop();
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

/** Polls `probe` until it returns true, for at most `ms`. */
async function within(ms: number, probe: () => Promise<boolean>): Promise<void> {
  const start = Date.now();
  while (!(await probe())) {
    assert.ok(Date.now() - start < ms, `not seen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A chat on B's data plane with a key, answering the status. */
async function chatOnB(deployment: string, key: string): Promise<number> {
  const response = await b!.server.https.inject({
    method: "POST",
    url: `/accounts/keyless-dev-ai/openai/deployments/${deployment}/chat/completions?api-version=2024-10-21`,
    headers: { "api-key": key, "content-type": "application/json" },
    payload: { messages: [{ role: "user", content: "hi" }], max_tokens: 3 },
  });
  return response.statusCode;
}

test("keys, disableLocalAuth and deployments written through A reach B's data plane within a second", async () => {
  const account = a!.env.account.resourceId;
  const owner = await mintToken(a!, devUser(a!));
  const keysOf = async () =>
    (
      await armRequest(a!, "POST", `${account}/listKeys?api-version=2023-05-01`, { token: owner })
    ).json<{ key1: string }>();
  const { key1 } = await keysOf();
  assert.equal(await chatOnB("gpt-4o", key1), 200);

  const regenerated = await armRequest(
    a!,
    "POST",
    `${account}/regenerateKey?api-version=2023-05-01`,
    {
      token: owner,
      body: { keyName: "Key1" },
    },
  );
  assert.equal(regenerated.statusCode, 200, regenerated.body);
  const newKey1 = regenerated.json<{ key1: string }>().key1;
  await within(1000, async () => (await chatOnB("gpt-4o", key1)) === 401);
  assert.equal(await chatOnB("gpt-4o", newKey1), 200);

  const deployment = await armRequest(
    a!,
    "PUT",
    `${account}/deployments/late?api-version=2023-05-01`,
    {
      token: owner,
      body: {
        sku: { name: "Standard", capacity: 10 },
        properties: { model: { format: "OpenAI", name: "gpt-4o" } },
      },
    },
  );
  assert.equal(deployment.statusCode, 201, deployment.body);
  await within(1000, async () => (await chatOnB("late", newKey1)) === 200);

  const current = (
    await armRequest(a!, "GET", `${account}?api-version=2023-05-01`, { token: owner })
  ).json<{
    location: string;
    kind: string;
    sku: unknown;
    properties: Record<string, unknown>;
  }>();
  const disabled = await armRequest(a!, "PUT", `${account}?api-version=2023-05-01`, {
    token: owner,
    body: {
      location: current.location,
      kind: current.kind,
      sku: current.sku,
      properties: {
        customSubDomainName: current.properties.customSubDomainName,
        disableLocalAuth: true,
      },
    },
  });
  assert.equal(disabled.statusCode, 200, disabled.body);
  await within(1000, async () => (await chatOnB("gpt-4o", newKey1)) === 403);
});

test("both replicas append their audit records to one chain", async () => {
  const { appId, secret } = a!.env.servicePrincipal;
  const requestIds: string[] = [];
  for (const replica of [a!, b!, a!, b!]) {
    // Each replica's own issuer (they listen on different ports and set no common public URL).
    const token = await mintToken(
      replica,
      { appId, secret },
      "https://cognitiveservices.azure.com",
    );
    const response = await replica.server.https.inject({
      method: "POST",
      url: "/accounts/keyless-dev-ai/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: { messages: [{ role: "user", content: "hi" }], max_tokens: 3 },
    });
    assert.equal(response.statusCode, 200, response.body);
    requestIds.push(String(response.headers["x-ms-request-id"]));
  }
  await within(2000, async () => {
    const stored = new Set(
      (await a!.server.storage.audit.queryAudit({ top: 1000 })).map((r) => r.requestId),
    );
    return requestIds.every((id) => stored.has(id));
  });
  const records = await b!.server.storage.audit.queryAudit({ top: 1000 });
  assert.deepEqual(verifyAuditChain([...records].reverse()), { ok: true });
});
