/**
 * The data plane of replica B follows what replica A's control plane writes, within one second,
 * with both on one PostgreSQL schema: a regenerated key, `disableLocalAuth` and a new deployment.
 * B serves data-plane calls from its in-memory account catalog, so only the change feed can have
 * told it. Both replicas append their audit records to one hash chain.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { verifyAuditChain } from "../../src/audit/index.js";
import {
  armRequest,
  devUser,
  mintToken,
  putDevAccountProperties,
  putDevDeployment,
} from "../support/arm-requests.js";
import { until } from "../support/eventually.js";
import type { TestKeyless } from "../support/keyless.js";
import { replicasForTests } from "./replicas.js";

const replicas = replicasForTests();

/** A chat completion on a replica's data plane over HTTPS. */
function chat(
  replica: TestKeyless,
  deployment: string,
  credential: Record<string, string>,
): Promise<Response> {
  return fetch(
    `${replica.httpsUrl}/accounts/keyless-dev-ai/openai/deployments/${deployment}/chat/completions?api-version=2024-10-21`,
    {
      method: "POST",
      headers: { ...credential, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
    },
  );
}

/** A chat on B's data plane with a key, answering the status. */
async function chatOnB(deployment: string, key: string): Promise<number> {
  const response = await chat(replicas.b, deployment, { "api-key": key });
  await response.arrayBuffer();
  return response.status;
}

test("keys, disableLocalAuth and deployments written through A reach B's data plane within a second", async () => {
  const account = replicas.a.env.account.resourceId;
  const owner = await mintToken(replicas.a, devUser(replicas.a));
  const keysOf = async () =>
    (
      await armRequest(replicas.a, "POST", `${account}/listKeys?api-version=2023-05-01`, {
        token: owner,
      })
    ).json<{ key1: string }>();
  const { key1 } = await keysOf();
  assert.equal(await chatOnB("gpt-4o", key1), 200);

  const regenerated = await armRequest(
    replicas.a,
    "POST",
    `${account}/regenerateKey?api-version=2023-05-01`,
    {
      token: owner,
      body: { keyName: "Key1" },
    },
  );
  assert.equal(regenerated.statusCode, 200, regenerated.body);
  const newKey1 = regenerated.json<{ key1: string }>().key1;
  await until(async () => (await chatOnB("gpt-4o", key1)) === 401, 1000);
  assert.equal(await chatOnB("gpt-4o", newKey1), 200);

  await putDevDeployment(replicas.a, "late", { model: { format: "OpenAI", name: "gpt-4o" } });
  await until(async () => (await chatOnB("late", newKey1)) === 200, 1000);

  await putDevAccountProperties(replicas.a, { disableLocalAuth: true });
  await until(async () => (await chatOnB("gpt-4o", newKey1)) === 403, 1000);
});

test("both replicas append their audit records to one chain", async () => {
  const { appId, secret } = replicas.a.env.servicePrincipal;
  const requestIds: string[] = [];
  for (const replica of [replicas.a, replicas.b, replicas.a, replicas.b]) {
    // Each replica's own issuer (they listen on different ports and set no common public URL).
    const token = await mintToken(
      replica,
      { appId, secret },
      "https://cognitiveservices.azure.com",
    );
    const response = await chat(replica, "gpt-4o", { authorization: `Bearer ${token}` });
    assert.equal(response.status, 200, await response.text());
    requestIds.push(response.headers.get("x-ms-request-id")!);
  }
  await until(async () => {
    const stored = new Set(
      (await replicas.a.server.storage.audit.queryAudit({ top: 1000 })).map((r) => r.requestId),
    );
    return requestIds.every((id) => stored.has(id));
  }, 2000);
  const records = await replicas.b.server.storage.audit.queryAudit({ top: 1000 });
  assert.deepEqual(verifyAuditChain([...records].reverse()), { ok: true });
});
