/**
 * The managed-identity endpoints' refusals (IMDS and App Service, plain HTTP). "No such
 * identity" is always a 400, never a 404: @azure/identity retries 404s as transient.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";

let keyless: TestKeyless;

before(async () => {
  keyless = await startTestKeyless();
});
after(async () => {
  await keyless?.stop();
});

const RESOURCE = "https://cognitiveservices.azure.com";

interface MiBody {
  error?: string;
  error_description?: string;
  access_token?: string;
  expires_on?: string;
  client_id?: string;
}

function imds(
  query: Record<string, string>,
  headers: Record<string, string> = { metadata: "true" },
) {
  return keyless.server.managedIdentity.inject({
    method: "GET",
    url: `/metadata/identity/oauth2/token?${new URLSearchParams(query)}`,
    headers,
  });
}

function appService(query: Record<string, string>, identityHeader?: string) {
  return keyless.server.managedIdentity.inject({
    method: "GET",
    url: `/msi/token?${new URLSearchParams(query)}`,
    headers: identityHeader === undefined ? {} : { "x-identity-header": identityHeader },
  });
}

function assertRefused(
  response: Awaited<ReturnType<typeof imds>>,
  status: number,
  error: string,
  description: string | RegExp,
): MiBody {
  assert.equal(response.statusCode, status, response.body);
  assert.notEqual(response.statusCode, 404);
  const body = response.json<MiBody>();
  assert.equal(body.error, error, response.body);
  if (typeof description === "string") assert.equal(body.error_description, description);
  else assert.match(body.error_description ?? "", description);
  assert.equal(body.access_token, undefined);
  assert.equal(response.headers["cache-control"], "no-store");
  return body;
}

describe("IMDS", () => {
  const query = { "api-version": "2018-02-01", resource: RESOURCE };

  test("a request with Metadata: true gets a token (the control case)", async () => {
    const response = await imds(query);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<MiBody>();
    assert.equal(body.client_id, keyless.env.managedIdentity.clientId);
    assert.match(body.expires_on ?? "", /^\d+$/);
  });

  test("the SDK's probe (no query, no Metadata header, over real HTTP) is a 400", async () => {
    const response = await fetch(`${keyless.httpUrl}/metadata/identity/oauth2/token`, {
      headers: { accept: "application/json" },
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as MiBody;
    assert.equal(body.error, "invalid_request");
    assert.equal(body.error_description, "Required metadata header not specified");
  });

  for (const [label, headers] of [
    ["no Metadata header", {}],
    ["Metadata: false", { metadata: "false" }],
    ["Metadata: yes", { metadata: "yes" }],
  ] as const) {
    test(`a token request with ${label} is 400`, async () => {
      assertRefused(
        await imds(query, headers),
        400,
        "invalid_request",
        "Required metadata header not specified",
      );
    });
  }

  test("the trailing-slash route (msal-node's pod-identity URL) refuses the same way", async () => {
    const response = await keyless.server.managedIdentity.inject({
      method: "GET",
      url: `/metadata/identity/oauth2/token/?${new URLSearchParams(query)}`,
    });
    assertRefused(response, 400, "invalid_request", "Required metadata header not specified");
  });

  test("a missing api-version is 400", async () => {
    assertRefused(
      await imds({ resource: RESOURCE }),
      400,
      "invalid_request",
      "Required query variable 'api-version' is missing",
    );
  });

  test("an unknown api-version is 400", async () => {
    assertRefused(
      await imds({ "api-version": "2099-01-01", resource: RESOURCE }),
      400,
      "invalid_request",
      "Invalid api-version '2099-01-01'",
    );
  });

  test("a missing resource is 400", async () => {
    assertRefused(
      await imds({ "api-version": "2018-02-01" }),
      400,
      "invalid_request",
      "Required query variable 'resource' is missing",
    );
  });

  test("an unknown resource is 400 invalid_resource AADSTS500011", async () => {
    assertRefused(
      await imds({ ...query, resource: "https://unknown.example.com" }),
      400,
      "invalid_resource",
      /^AADSTS500011: The resource principal named https:\/\/unknown\.example\.com was not found/,
    );
  });

  for (const [param, value] of [
    ["client_id", "2b1f0f4e-3c1d-4d5e-8f9a-0b1c2d3e4f50"],
    ["object_id", "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c20"],
    [
      "msi_res_id",
      "/subscriptions/x/resourcegroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/none",
    ],
  ] as const) {
    test(`an unknown identity by ${param} is 400, not 404`, async () => {
      assertRefused(
        await imds({ ...query, [param]: value }),
        400,
        "invalid_request",
        "Identity not found",
      );
    });
  }

  test("an application's service principal is no managed identity (400)", async () => {
    // Its client id and object id must not mint a token without the application's secret.
    assertRefused(
      await imds({ ...query, client_id: keyless.env.servicePrincipal.appId }),
      400,
      "invalid_request",
      "Identity not found",
    );
    assertRefused(
      await imds({ ...query, object_id: keyless.env.servicePrincipal.objectId }),
      400,
      "invalid_request",
      "Identity not found",
    );
  });

  test("a user's object id is no managed identity (400)", async () => {
    assertRefused(
      await imds({ ...query, object_id: keyless.env.user.objectId }),
      400,
      "invalid_request",
      "Identity not found",
    );
  });

  test("both client_id and object_id is 400", async () => {
    const { clientId, principalId } = keyless.env.managedIdentity;
    assertRefused(
      await imds({ ...query, client_id: clientId, object_id: principalId }),
      400,
      "invalid_request",
      "Only one of client_id, object_id and resource id may be given",
    );
  });

  test("both client_id and msi_res_id is 400", async () => {
    const { clientId, resourceId } = keyless.env.managedIdentity;
    assertRefused(
      await imds({ ...query, client_id: clientId, msi_res_id: resourceId }),
      400,
      "invalid_request",
      "Only one of client_id, object_id and resource id may be given",
    );
  });

  test("a disabled managed identity is refused by every selector, then served again", async () => {
    const { clientId, principalId, resourceId } = keyless.env.managedIdentity;
    const directory = keyless.server.identity.directory;
    await directory.setAccountEnabled(principalId, false);
    try {
      for (const selector of [
        {} as Record<string, string>,
        { client_id: clientId },
        { object_id: principalId },
        { msi_res_id: resourceId },
      ]) {
        assertRefused(
          await imds({ ...query, ...selector }),
          400,
          "invalid_request",
          "Identity is disabled",
        );
      }
      assertRefused(
        await appService(
          { "api-version": "2019-08-01", resource: RESOURCE },
          keyless.env.identityHeader,
        ),
        400,
        "invalid_request",
        "Identity is disabled",
      );
    } finally {
      await directory.setAccountEnabled(principalId, true);
    }
    assert.equal((await imds(query)).statusCode, 200);
  });
});

describe("App Service", () => {
  const query = { "api-version": "2019-08-01", resource: RESOURCE };
  const refusal = "The X-IDENTITY-HEADER header is missing or does not match.";

  test("the right X-IDENTITY-HEADER gets a token (the control case)", async () => {
    const response = await appService(query, keyless.env.identityHeader);
    assert.equal(response.statusCode, 200, response.body);
  });

  test("a missing X-IDENTITY-HEADER is 401", async () => {
    assertRefused(await appService(query), 401, "unauthorized_client", refusal);
  });

  for (const [label, value] of [
    ["a wrong", "not-the-header"],
    ["an empty", ""],
    ["a prefix of the", "keyless-dev"],
    ["a differently cased", "KEYLESS-DEV-IDENTITY-HEADER"],
  ] as const) {
    test(`${label} X-IDENTITY-HEADER is 401`, async () => {
      assertRefused(await appService(query, value), 401, "unauthorized_client", refusal);
    });
  }

  test("the header is checked before anything else is looked at", async () => {
    assertRefused(await appService({}, "wrong"), 401, "unauthorized_client", refusal);
  });

  test("Metadata: true does not stand in for the identity header", async () => {
    const response = await keyless.server.managedIdentity.inject({
      method: "GET",
      url: `/msi/token?${new URLSearchParams(query)}`,
      headers: { metadata: "true" },
    });
    assertRefused(response, 401, "unauthorized_client", refusal);
  });

  test("IMDS's api-version is refused on the App Service protocol", async () => {
    assertRefused(
      await appService({ ...query, "api-version": "2018-02-01" }, keyless.env.identityHeader),
      400,
      "invalid_request",
      "Invalid api-version '2018-02-01'",
    );
  });

  test("a missing resource is 400", async () => {
    assertRefused(
      await appService({ "api-version": "2019-08-01" }, keyless.env.identityHeader),
      400,
      "invalid_request",
      "Required query variable 'resource' is missing",
    );
  });

  test("an unknown identity is 400, not 404", async () => {
    assertRefused(
      await appService(
        { ...query, client_id: "2b1f0f4e-3c1d-4d5e-8f9a-0b1c2d3e4f50" },
        keyless.env.identityHeader,
      ),
      400,
      "invalid_request",
      "Identity not found",
    );
  });

  test("client_id with principal_id is 400", async () => {
    const { clientId, principalId } = keyless.env.managedIdentity;
    assertRefused(
      await appService(
        { ...query, client_id: clientId, principal_id: principalId },
        keyless.env.identityHeader,
      ),
      400,
      "invalid_request",
      "Only one of client_id, object_id and resource id may be given",
    );
  });

  test("over real HTTP a wrong header is 401 too", async () => {
    const response = await fetch(`${keyless.httpUrl}/msi/token?${new URLSearchParams(query)}`, {
      headers: { "x-identity-header": "wrong" },
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as MiBody).error, "unauthorized_client");
  });
});

describe("with the App Service protocol closed", () => {
  test("production without KEYLESS_IDENTITY_HEADER refuses every App Service request", async () => {
    const closed = await startTestKeyless({ KEYLESS_MODE: "production" });
    try {
      const response = await closed.server.managedIdentity.inject({
        method: "GET",
        url: `/msi/token?api-version=2019-08-01&resource=${encodeURIComponent(RESOURCE)}`,
        headers: { "x-identity-header": "keyless-dev-identity-header" },
      });
      assert.equal(response.statusCode, 401);
      assert.equal(response.json<MiBody>().error, "unauthorized_client");
    } finally {
      await closed.stop();
    }
  });
});
