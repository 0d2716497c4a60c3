/**
 * Every refusal of the token endpoints (client credentials), checked by status, `error`,
 * `error_codes`, the AADSTS text and Entra's body shape; plus the v1 and Basic successes
 * the error paths sit next to. In process, through `inject`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/kernel/index.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  assertOAuthError,
  assertTokenIssued,
  COGNITIVE_DEFAULT,
  decodePart,
  postToken,
  secretForm,
} from "./token-requests.js";

const DAY = 86_400_000;
const UNKNOWN_TENANT = "0b3ee2a5-5b7f-4d0c-9d3e-7f4e1b1c9a10";
const UNKNOWN_APP = "3f1d6c1e-8f0b-4c55-9a55-2a2ddc6b6f01";

let keyless: TestKeyless;
const clock = new ManualClock(Date.now());

before(async () => {
  keyless = await startTestKeyless({}, { clock });
});
after(async () => {
  await keyless?.stop();
});

/** A fresh confidential application with one secret, so a test can change it freely. */
async function newApplication(name: string, tenantId: string = keyless.env.tenantId) {
  const directory = keyless.server.identity.directory;
  const { application, servicePrincipal } = await directory.createApplication({
    tenantId,
    displayName: name,
  });
  const { secret } = await directory.addClientSecret(application.appId);
  return { appId: application.appId, servicePrincipal, secret, name };
}

describe("the error body", () => {
  test("has Entra's shape and echoes the client-request-id as the correlation id", async () => {
    const correlationId = "5a8f2c1e-0d9b-4c7e-a1f3-9b2e6d4c8a70";
    const response = await postToken(keyless, secretForm(keyless, { client_secret: "wrong" }), {
      headers: { "client-request-id": correlationId },
    });
    const body = assertOAuthError(response, {
      status: 401,
      error: "invalid_client",
      code: 7000215,
      correlationId,
    });
    assert.deepEqual(Object.keys(body).sort(), [
      "correlation_id",
      "error",
      "error_codes",
      "error_description",
      "error_uri",
      "timestamp",
      "trace_id",
    ]);
  });

  test("takes the correlation id from the client-request-id query parameter (msal-node)", async () => {
    const correlationId = "0e4b8f5a-7c1d-4d2e-9f6a-3b5c7d9e1f20";
    const response = await keyless.server.https.inject({
      method: "POST",
      url: `/${keyless.env.tenantId}/oauth2/v2.0/token?client-request-id=${correlationId}`,
      headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8" },
      payload: new URLSearchParams(secretForm(keyless, { client_secret: "wrong" })).toString(),
    });
    assertOAuthError(response, {
      status: 401,
      error: "invalid_client",
      code: 7000215,
      correlationId,
    });
  });

  test("gets a new trace id per failure", async () => {
    const form = secretForm(keyless, { client_secret: "wrong" });
    const [a, b] = await Promise.all([postToken(keyless, form), postToken(keyless, form)]);
    assert.notEqual(
      a.json<{ trace_id: string }>().trace_id,
      b.json<{ trace_id: string }>().trace_id,
    );
  });
});

describe("tenant", () => {
  for (const version of [1, 2] as const) {
    test(`an unknown tenant id on the v${version} token endpoint is AADSTS90002`, async () => {
      const response = await postToken(keyless, secretForm(keyless, { resource: "x" }), {
        tenant: UNKNOWN_TENANT,
        version,
      });
      assertOAuthError(response, {
        status: 400,
        error: "invalid_request",
        code: 90002,
        text: `Tenant '${UNKNOWN_TENANT}' not found.`,
      });
    });
  }

  test("an unknown tenant domain is AADSTS90002 too, in the spelling the client used", async () => {
    const response = await postToken(keyless, secretForm(keyless), { tenant: "Nowhere.Example" });
    assertOAuthError(response, {
      status: 400,
      error: "invalid_request",
      code: 90002,
      text: "Tenant 'Nowhere.Example' not found.",
    });
  });

  for (const path of [
    "v2.0/.well-known/openid-configuration",
    ".well-known/openid-configuration",
  ]) {
    test(`GET /{unknown}/${path} is 400 invalid_tenant AADSTS90002`, async () => {
      const response = await keyless.server.https.inject({
        method: "GET",
        url: `/${UNKNOWN_TENANT}/${path}`,
      });
      // Entra's discovery documents call it `invalid_tenant`; its token endpoint `invalid_request`.
      assertOAuthError(response, {
        status: 400,
        error: "invalid_tenant",
        code: 90002,
        text: `Tenant '${UNKNOWN_TENANT}' not found.`,
      });
    });
  }

  test("the known tenant's discovery document is served (the control case)", async () => {
    const response = await keyless.server.https.inject({
      method: "GET",
      url: `/${keyless.env.tenantDomain}/v2.0/.well-known/openid-configuration`,
    });
    assert.equal(response.statusCode, 200);
    assert.equal(
      response.json<{ issuer: string }>().issuer.endsWith(`/${keyless.env.tenantId}/v2.0`),
      true,
    );
  });
});

describe("client application", () => {
  test("an unknown client id is 400 unauthorized_client AADSTS700016", async () => {
    const response = await postToken(keyless, secretForm(keyless, { client_id: UNKNOWN_APP }));
    assertOAuthError(response, {
      status: 400,
      error: "unauthorized_client",
      code: 700016,
      text: `Application with identifier '${UNKNOWN_APP}' was not found in the directory '${keyless.env.tenantId}'.`,
    });
  });

  test("an application of another tenant is AADSTS700016, even with its right secret", async () => {
    const directory = keyless.server.identity.directory;
    const other = await directory.createTenant({
      displayName: "Other",
      defaultDomain: "other-700016.test",
    });
    const foreign = await newApplication("foreign-app", other.id);
    // Its own tenant accepts it: the refusal below is about the tenant, not the secret.
    assertTokenIssued(
      await postToken(
        keyless,
        secretForm(keyless, { client_id: foreign.appId, client_secret: foreign.secret }),
        { tenant: other.id },
      ),
    );
    const response = await postToken(
      keyless,
      secretForm(keyless, { client_id: foreign.appId, client_secret: foreign.secret }),
    );
    assertOAuthError(response, {
      status: 400,
      error: "unauthorized_client",
      code: 700016,
      text: `Application with identifier '${foreign.appId}' was not found in the directory '${keyless.env.tenantId}'.`,
    });
    // And the dev application is unknown in the other tenant.
    const reverse = await postToken(keyless, secretForm(keyless), { tenant: other.defaultDomain });
    assertOAuthError(reverse, { status: 400, error: "unauthorized_client", code: 700016 });
  });

  test("a missing client_id is AADSTS900144", async () => {
    const response = await postToken(keyless, secretForm(keyless, { client_id: undefined }));
    assertOAuthError(response, {
      status: 400,
      error: "invalid_request",
      code: 900144,
      text: "The request body must contain the following parameter: 'client_id'.",
    });
  });

  test("a disabled service principal is AADSTS7000112, even with the right secret", async () => {
    const app = await newApplication("to-be-disabled");
    const form = secretForm(keyless, { client_id: app.appId, client_secret: app.secret });
    assertTokenIssued(await postToken(keyless, form));
    assert.equal(
      await keyless.server.identity.directory.setAccountEnabled(app.servicePrincipal.id, false),
      true,
    );
    assertOAuthError(await postToken(keyless, form), {
      status: 400,
      error: "unauthorized_client",
      code: 7000112,
      text: `Application '${app.appId}'(to-be-disabled) is disabled.`,
    });
    await keyless.server.identity.directory.setAccountEnabled(app.servicePrincipal.id, true);
    assertTokenIssued(await postToken(keyless, form));
  });
});

describe("client secret", () => {
  test("a wrong secret is 401 invalid_client AADSTS7000215", async () => {
    const response = await postToken(keyless, secretForm(keyless, { client_secret: "nope" }));
    assertOAuthError(response, {
      status: 401,
      error: "invalid_client",
      code: 7000215,
      text: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${keyless.env.servicePrincipal.appId}'.`,
    });
  });

  test("another application's secret is AADSTS7000215", async () => {
    const other = await newApplication("secret-owner");
    const response = await postToken(keyless, secretForm(keyless, { client_secret: other.secret }));
    assertOAuthError(response, { status: 401, error: "invalid_client", code: 7000215 });
  });

  test("an empty secret is AADSTS7000215, not a missing credential", async () => {
    const response = await postToken(keyless, secretForm(keyless, { client_secret: "" }));
    assertOAuthError(response, { status: 401, error: "invalid_client", code: 7000215 });
  });

  test("an expired secret is AADSTS7000222 once the clock passes its end", async () => {
    const app = await newApplication("expiring-secret");
    const { secret: shortLived } = await keyless.server.identity.directory.addClientSecret(
      app.appId,
      { lifetimeDays: 1 },
    );
    const form = secretForm(keyless, { client_id: app.appId, client_secret: shortLived });
    assertTokenIssued(await postToken(keyless, form));
    const start = clock.now();
    clock.advance(DAY + 1000);
    try {
      assertOAuthError(await postToken(keyless, form), {
        status: 401,
        error: "invalid_client",
        code: 7000222,
        text: `The provided client secret keys for app '${app.appId}' are expired.`,
      });
      // The application's other, long-lived secret still works.
      assertTokenIssued(
        await postToken(
          keyless,
          secretForm(keyless, { client_id: app.appId, client_secret: app.secret }),
        ),
      );
    } finally {
      clock.set(start);
    }
  });

  test("no secret and no assertion is 401 invalid_client AADSTS7000218", async () => {
    const response = await postToken(keyless, secretForm(keyless, { client_secret: undefined }));
    assertOAuthError(response, {
      status: 401,
      error: "invalid_client",
      code: 7000218,
      text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    });
  });
});

describe("client_secret_basic", () => {
  const basic = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

  test("the id and secret in an Authorization: Basic header get a token", async () => {
    const { appId, secret } = keyless.env.servicePrincipal;
    const response = await postToken(
      keyless,
      { grant_type: "client_credentials", scope: COGNITIVE_DEFAULT },
      { headers: { authorization: basic(appId, secret) } },
    );
    const body = assertTokenIssued(response);
    assert.equal(decodePart(body.access_token, 1).appid, appId);
  });

  test("a wrong secret in the Basic header is AADSTS7000215", async () => {
    const response = await postToken(
      keyless,
      { grant_type: "client_credentials", scope: COGNITIVE_DEFAULT },
      { headers: { authorization: basic(keyless.env.servicePrincipal.appId, "wrong") } },
    );
    assertOAuthError(response, { status: 401, error: "invalid_client", code: 7000215 });
  });

  test("a body client_id that differs from the Basic one is refused", async () => {
    const { appId, secret } = keyless.env.servicePrincipal;
    const response = await postToken(
      keyless,
      { grant_type: "client_credentials", scope: COGNITIVE_DEFAULT, client_id: UNKNOWN_APP },
      { headers: { authorization: basic(appId, secret) } },
    );
    assertOAuthError(response, { status: 400, error: "invalid_request", code: 900144 });
  });

  test("a Basic header without a colon is refused", async () => {
    const response = await postToken(
      keyless,
      { grant_type: "client_credentials", scope: COGNITIVE_DEFAULT },
      { headers: { authorization: `Basic ${Buffer.from("no-colon").toString("base64")}` } },
    );
    assertOAuthError(response, { status: 400, error: "invalid_request", code: 900144 });
  });
});

describe("request form", () => {
  test("a missing grant_type is AADSTS900144", async () => {
    const response = await postToken(keyless, secretForm(keyless, { grant_type: undefined }));
    assertOAuthError(response, {
      status: 400,
      error: "invalid_request",
      code: 900144,
      text: "The request body must contain the following parameter: 'grant_type'.",
    });
  });

  for (const grantType of ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"]) {
    test(`grant_type=${grantType} is unsupported_grant_type AADSTS70003`, async () => {
      const response = await postToken(keyless, secretForm(keyless, { grant_type: grantType }));
      assertOAuthError(response, {
        status: 400,
        error: "unsupported_grant_type",
        code: 70003,
        text: `The app requested an unsupported grant type '${grantType}'.`,
      });
    });
  }

  test("a parameter given twice is refused, not guessed at", async () => {
    const { appId, secret } = keyless.env.servicePrincipal;
    // A right and a wrong secret: neither may be picked.
    const body = new URLSearchParams(secretForm(keyless));
    body.append("client_secret", "wrong");
    const response = await postToken(keyless, body.toString());
    assertOAuthError(response, {
      status: 400,
      error: "invalid_request",
      code: 900144,
      text: "The request body contains the parameter 'client_secret' more than once.",
    });
    const twiceGrant = `grant_type=client_credentials&grant_type=client_credentials&client_id=${appId}&client_secret=${encodeURIComponent(secret)}&scope=${encodeURIComponent(COGNITIVE_DEFAULT)}`;
    assertOAuthError(await postToken(keyless, twiceGrant), {
      status: 400,
      error: "invalid_request",
      code: 900144,
      text: "'grant_type' more than once",
    });
  });

  test("a JSON body is refused with AADSTS900144", async () => {
    const response = await keyless.server.https.inject({
      method: "POST",
      url: `/${keyless.env.tenantId}/oauth2/v2.0/token`,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(secretForm(keyless)),
    });
    assertOAuthError(response, {
      status: 400,
      error: "invalid_request",
      code: 900144,
      text: "application/x-www-form-urlencoded",
    });
  });
});

describe("scope and resource", () => {
  test("a client-credentials scope without /.default is AADSTS1002012", async () => {
    const scope = "https://cognitiveservices.azure.com/user_impersonation";
    const response = await postToken(keyless, secretForm(keyless, { scope }));
    assertOAuthError(response, {
      status: 400,
      error: "invalid_scope",
      code: 1002012,
      text: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    });
  });

  test("two /.default scopes of one resource are AADSTS1002012 too", async () => {
    const scope = `${COGNITIVE_DEFAULT} https://cognitiveservices.azure.com/other`;
    const response = await postToken(keyless, secretForm(keyless, { scope }));
    assertOAuthError(response, { status: 400, error: "invalid_scope", code: 1002012 });
  });

  test("scopes of two resources are AADSTS70011", async () => {
    const scope = `${COGNITIVE_DEFAULT} https://management.azure.com/.default`;
    const response = await postToken(keyless, secretForm(keyless, { scope }));
    assertOAuthError(response, {
      status: 400,
      error: "invalid_scope",
      code: 70011,
      text: "The provided value for the input parameter 'scope' is not valid.",
    });
  });

  test("a missing scope, or only OIDC scopes, is AADSTS70011", async () => {
    for (const scope of [undefined, "openid profile offline_access"]) {
      const response = await postToken(keyless, secretForm(keyless, { scope }));
      assertOAuthError(response, {
        status: 400,
        error: "invalid_scope",
        code: 70011,
        text: "The provided request must include a 'scope' input parameter.",
      });
    }
  });

  test("a scope with no resource part is AADSTS70011", async () => {
    const response = await postToken(keyless, secretForm(keyless, { scope: ".default" }));
    assertOAuthError(response, { status: 400, error: "invalid_scope", code: 70011 });
  });

  test("an unknown resource is 400 invalid_resource AADSTS500011", async () => {
    const resource = "https://unknown.example.com";
    const response = await postToken(
      keyless,
      secretForm(keyless, { scope: `${resource}/.default` }),
    );
    assertOAuthError(response, {
      status: 400,
      error: "invalid_resource",
      code: 500011,
      text: `The resource principal named ${resource} was not found in the tenant named ${keyless.env.tenantId}.`,
    });
  });

  test("an application id of another tenant as resource is AADSTS500011", async () => {
    const other = await keyless.server.identity.directory.createTenant({
      displayName: "Other resource tenant",
      defaultDomain: "other-500011.test",
    });
    const foreign = await newApplication("foreign-resource", other.id);
    const response = await postToken(
      keyless,
      secretForm(keyless, { scope: `${foreign.appId}/.default` }),
    );
    assertOAuthError(response, { status: 400, error: "invalid_resource", code: 500011 });
  });

  test("an unknown resource on the v1 endpoint is AADSTS500011", async () => {
    const response = await postToken(
      keyless,
      secretForm(keyless, { scope: undefined, resource: "https://unknown.example.com" }),
      { version: 1 },
    );
    assertOAuthError(response, { status: 400, error: "invalid_resource", code: 500011 });
  });

  test("the v1 endpoint without resource= is AADSTS900144", async () => {
    const response = await postToken(keyless, secretForm(keyless, { scope: undefined }), {
      version: 1,
    });
    assertOAuthError(response, {
      status: 400,
      error: "invalid_request",
      code: 900144,
      text: "'resource'",
    });
  });
});

describe("successes beside the errors", () => {
  test("v2 answers numbers for expires_in and carries no id_token", async () => {
    const body = assertTokenIssued(await postToken(keyless, secretForm(keyless)));
    assert.equal(typeof body.expires_in, "number");
    assert.equal(typeof body.ext_expires_in, "number");
    assert.equal(body.id_token, undefined);
    assert.equal(body.client_info, undefined);
  });

  test("v1 (/oauth2/token, resource=) answers strings for expires_in and expires_on", async () => {
    const resource = "https://management.core.windows.net/";
    const response = await postToken(keyless, secretForm(keyless, { scope: undefined, resource }), {
      version: 1,
    });
    const body = assertTokenIssued(response);
    for (const field of ["expires_in", "ext_expires_in", "expires_on", "not_before"] as const) {
      assert.equal(typeof body[field], "string", field);
      assert.match(String(body[field]), /^\d+$/, field);
    }
    assert.equal(body.resource, resource);
    assert.equal(Number(body.expires_on) - Number(body.not_before), Number(body.expires_in));
    assert.equal(Number(body.not_before), Math.floor(clock.now() / 1000));
    const claims = decodePart(body.access_token, 1);
    assert.equal(claims.aud, resource);
    assert.equal(claims.ver, "1.0");
  });
});
