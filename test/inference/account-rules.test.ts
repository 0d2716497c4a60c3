/**
 * What an account's own settings do to its data plane: `publicNetworkAccess`, `networkAcls`
 * IP rules and host-name addressing under a base domain. Each change is made through ARM and
 * applies to the very next request: the replica that wrote it applies the change feed before
 * answering the write.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { mintToken, putDevAccountProperties } from "../support/arm-requests.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { rawHttpsRequest, type RawResponse } from "../support/raw-https-request.js";

let keyless: TestKeyless;
const BASE_DOMAIN = "ai.keyless.test";
const CHAT = JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 3 });

before(async () => {
  keyless = await startTestKeyless({ KEYLESS_BASE_DOMAIN: BASE_DOMAIN });
});
after(() => keyless.stop());

async function dataPlaneToken(): Promise<string> {
  const { appId, secret } = keyless.env.servicePrincipal;
  return mintToken(keyless, { appId, secret }, "https://cognitiveservices.azure.com");
}

/** A chat request to the dev account, by path prefix or (with `host`) by host name. */
function chat(token: string, host?: string): Promise<RawResponse> {
  const port = new URL(keyless.httpsUrl).port;
  return rawHttpsRequest(keyless.httpsUrl, {
    path: host
      ? "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
      : "/accounts/keyless-dev-ai/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    ...(host && { servername: host }),
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(host && { host: `${host}:${port}` }),
    },
    body: CHAT,
  });
}

const updateAccount = (properties: Record<string, unknown>) =>
  putDevAccountProperties(keyless, properties);

test("publicNetworkAccess Disabled refuses every caller with Azure's words", async () => {
  const token = await dataPlaneToken();
  assert.equal((await chat(token)).status, 200);
  await updateAccount({ publicNetworkAccess: "Disabled" });
  const refused = await chat(token);
  assert.equal(refused.status, 403, refused.body);
  assert.deepEqual(JSON.parse(refused.body), {
    error: {
      code: "Forbidden",
      message: "Public access is disabled. Please configure private endpoint.",
    },
  });
  await updateAccount({ publicNetworkAccess: "Enabled" });
  assert.equal((await chat(token)).status, 200);
});

test("networkAcls Deny admits only the listed addresses", async () => {
  const token = await dataPlaneToken();
  await updateAccount({
    networkAcls: { defaultAction: "Deny", ipRules: [{ value: "10.0.0.0/8" }] },
  });
  const refused = await chat(token);
  assert.deepEqual(JSON.parse(refused.body), {
    error: { code: "Forbidden", message: "Access denied due to Virtual Network/Firewall rules." },
  });
  await updateAccount({
    networkAcls: {
      defaultAction: "Deny",
      ipRules: [{ value: "10.0.0.0/8" }, { value: "127.0.0.1" }],
    },
  });
  assert.equal((await chat(token)).status, 200);
  await updateAccount({});
});

test("a base domain addresses the account by host name", async () => {
  const token = await dataPlaneToken();
  const byHost = await chat(token, `keyless-dev-ai.${BASE_DOMAIN}`);
  assert.equal(byHost.status, 200, byHost.body);
  assert.match(JSON.parse(byHost.body).model as string, /^gpt-4o/);
  const unknown = await chat(token, `nobody.${BASE_DOMAIN}`);
  assert.equal(unknown.status, 404, unknown.body);
});
