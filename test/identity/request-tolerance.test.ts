/**
 * What real clients send besides the OAuth essentials (clients.md §1.4, §A.2): Keyless must
 * accept it, and refuse requests that carry two ways of authenticating.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  assertOAuthError,
  assertTokenIssued,
  postToken,
  secretForm,
} from "../identity-errors/token-requests.js";

let keyless: TestKeyless;
before(async () => {
  keyless = await startTestKeyless();
});
after(async () => {
  await keyless?.stop();
});

const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

test("MSAL Python's form: client_info, CP1 claims, x-client headers, az's double-slash scope", async () => {
  const response = await keyless.server.https.inject({
    method: "POST",
    url: `/${keyless.env.tenantId}/oauth2/v2.0/token?client-request-id=5e2a8f0c-1111-4222-8333-944455556666`,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-client-sku": "MSAL.Python",
      "x-client-ver": "1.21.0",
      "client-request-id": "5e2a8f0c-1111-4222-8333-944455556666",
    },
    payload: new URLSearchParams({
      client_id: keyless.env.servicePrincipal.appId,
      grant_type: "client_credentials",
      client_info: "1",
      client_secret: keyless.env.servicePrincipal.secret,
      claims: JSON.stringify({ access_token: { xms_cc: { values: ["CP1"] } } }),
      scope: "https://management.core.windows.net//.default",
    }).toString(),
  });
  const body = assertTokenIssued(response);
  assert.equal(payloadOf(body.access_token).aud, "https://management.core.windows.net/");
  assert.equal(response.headers["client-request-id"], "5e2a8f0c-1111-4222-8333-944455556666");
});

test("msal-node's form: x-client-* fields and telemetry in the body", async () => {
  const body = assertTokenIssued(
    await postToken(
      keyless,
      secretForm(keyless, {
        "x-client-SKU": "msal.js.node",
        "x-client-VER": "5.6.0",
        "x-client-OS": "linux",
        "x-client-CPU": "x64",
        "x-ms-lib-capability": "retry-after, h429",
        "x-client-current-telemetry": "5|771,2,,,|,",
        "x-client-last-telemetry": "5|0|||0,0",
        "client-request-id": "c0ffee00-0000-4000-8000-000000000000",
      }),
    ),
  );
  assert.equal(payloadOf(body.access_token).aud, "https://cognitiveservices.azure.com");
});

test("the tenant segment matches by id in any case and by domain", async () => {
  for (const tenant of [keyless.env.tenantId.toUpperCase(), "KEYLESS.TEST", "keyless.test"]) {
    const body = assertTokenIssued(await postToken(keyless, secretForm(keyless), { tenant }));
    assert.equal(payloadOf(body.access_token).tid, keyless.env.tenantId, tenant);
  }
  const discovery = await keyless.server.https.inject(
    `/${keyless.env.tenantId.toUpperCase()}/v2.0/.well-known/openid-configuration`,
  );
  assert.equal(discovery.statusCode, 200);
});

test("the adfs authority gets the v2 document at /adfs/.well-known/openid-configuration", async () => {
  const response = await keyless.server.https.inject({
    url: "/adfs/.well-known/openid-configuration",
    headers: { host: new URL(keyless.httpsUrl).host },
  });
  const document = response.json<Record<string, string>>();
  assert.equal(document.token_endpoint, `${keyless.httpsUrl}/adfs/oauth2/v2.0/token`);
  assert.equal(document.issuer, `${keyless.httpsUrl}/${keyless.env.tenantId}/v2.0`);
});

test("two client authentication methods in one request are refused", async () => {
  const basic = `Basic ${Buffer.from(`${keyless.env.servicePrincipal.appId}:${keyless.env.servicePrincipal.secret}`).toString("base64")}`;
  assertOAuthError(
    await postToken(keyless, secretForm(keyless), { headers: { authorization: basic } }),
    {
      status: 400,
      error: "invalid_request",
      code: 900144,
      text: "Only one client authentication method",
    },
  );
  assertOAuthError(
    await postToken(
      keyless,
      secretForm(keyless, {
        client_assertion: "e30.e30.sig",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      }),
    ),
    {
      status: 400,
      error: "invalid_request",
      code: 900144,
      text: "Only one client authentication method",
    },
  );
});
