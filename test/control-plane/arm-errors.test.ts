/**
 * The control plane's refusals, in process (`inject`) with tokens from Keyless's token
 * endpoint: each stage of the pipeline (route, api-version, caller, permission, handler) in
 * ARM's shape and words (contract/azure-facts.md §3), which tokens it accepts (contract
 * README decision 4), and Microsoft.Resources' subscriptions, tenants and resource groups.
 * Time is a ManualClock, so an expired token is a matter of moving it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/kernel/index.js";
import {
  armRequest,
  assertArmError,
  devUser,
  mintToken,
  type TokenSubject,
} from "../support/arm-requests.js";
import { azureRoleIds, roleDefinitionArmId } from "../support/azure-role-ids.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { createTestServicePrincipal, createTestUser } from "../support/test-principals.js";

const AUTHORIZATION_API = "api-version=2022-04-01";
const clock = new ManualClock(Date.now());
let keyless: TestKeyless;
let ownerToken: string;
let subscriptionId: string;
let groupScope: string;

before(async () => {
  keyless = await startTestKeyless({}, { clock });
  subscriptionId = keyless.env.subscriptionId;
  groupScope = `/subscriptions/${subscriptionId}/resourceGroups/${keyless.env.resourceGroup}`;
  ownerToken = await mintToken(keyless, devUser(keyless));
});
after(async () => {
  await keyless?.stop();
});

const roleDefinitionsUrl = (scope = groupScope, query = AUTHORIZATION_API) =>
  `${scope}/providers/Microsoft.Authorization/roleDefinitions?${query}`;
const assignmentUrl = (scope: string, name: string) =>
  `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}?${AUTHORIZATION_API}`;
const accountScope = (name: string) =>
  `${groupScope}/providers/Microsoft.CognitiveServices/accounts/${name}`;
const decode = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

/** .NET's `M/d/yyyy h:mm:ss tt` in UTC, as ARM prints times (ICU's narrow space made plain). */
const armTime = (epochSeconds: number) =>
  new Date(epochSeconds * 1000)
    .toLocaleString("en-US", { timeZone: "UTC" })
    .replace(", ", " ")
    .replace(/\u202f/g, " ");

describe("the pipeline's refusals", () => {
  test("no api-version: 400 MissingApiVersionParameter", async () => {
    const response = await armRequest(keyless, "GET", roleDefinitionsUrl(groupScope, ""), {
      token: ownerToken,
    });
    assertArmError(
      response,
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    );
  });

  test("an api-version the type does not serve: 400 naming it and the supported ones", async () => {
    const response = await armRequest(
      keyless,
      "GET",
      roleDefinitionsUrl(groupScope, "api-version=2099-01-01"),
      { token: ownerToken },
    );
    const message = assertArmError(response, 400, "NoRegisteredProviderFound");
    assert.match(
      message,
      /API version '2099-01-01' for type 'Microsoft.Authorization\/roleDefinitions'/,
    );
    assert.match(message, /2022-04-01/);
  });

  test("no Authorization header, or not a bearer one: 401 AuthenticationFailed", async () => {
    assertArmError(
      await armRequest(keyless, "GET", roleDefinitionsUrl()),
      401,
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is missing.",
    );
    assertArmError(
      await armRequest(keyless, "GET", roleDefinitionsUrl(), {
        headers: { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
      }),
      401,
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    );
  });

  test("a token for Cognitive Services: 401 InvalidAuthenticationTokenAudience", async () => {
    const token = await mintToken(keyless, devUser(keyless), "https://cognitiveservices.azure.com");
    const message = assertArmError(
      await armRequest(keyless, "GET", roleDefinitionsUrl(), { token }),
      401,
      "InvalidAuthenticationTokenAudience",
    );
    assert.ok(
      message.startsWith(
        "The access token has been obtained for wrong audience or resource 'https://cognitiveservices.azure.com'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'",
      ),
      message,
    );
    assert.ok(message.includes(`'${keyless.httpsUrl}'`), "Keyless's own origin is listed too");
    assert.ok(message.endsWith("."));
  });

  test("an expired token: 401 ExpiredAuthenticationToken with both UTC times", async () => {
    const token = await mintToken(keyless, devUser(keyless));
    const exp = decode(token).exp as number;
    const start = clock.now();
    try {
      clock.set((exp + 120) * 1000);
      assertArmError(
        await armRequest(keyless, "GET", roleDefinitionsUrl(), { token }),
        401,
        "ExpiredAuthenticationToken",
        `The access token expiry UTC time '${armTime(exp)}' is earlier than current UTC time '${armTime(exp + 120)}'.`,
      );
    } finally {
      clock.set(start);
    }
    const fresh = await armRequest(keyless, "GET", roleDefinitionsUrl(), { token });
    assert.equal(fresh.statusCode, 200, "the same token before its expiry");
  });

  test("a tampered or malformed token: 401 InvalidAuthenticationToken", async () => {
    const [header, , signature] = ownerToken.split(".");
    const claims = { ...decode(ownerToken), oid: keyless.env.servicePrincipal.objectId };
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    for (const token of [forged, `${header}.${signature}`, "not-a-jwt"]) {
      assertArmError(
        await armRequest(keyless, "GET", roleDefinitionsUrl(), { token }),
        401,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
      );
    }
  });

  test("a path no operation serves: 404", async () => {
    for (const url of [
      `/subscriptions/${subscriptionId}/providers/Microsoft.Nothing/things?${AUTHORIZATION_API}`,
      `${groupScope}/providers/Microsoft.Authorization/roleThings?${AUTHORIZATION_API}`,
    ]) {
      assertArmError(
        await armRequest(keyless, "GET", url, { token: ownerToken }),
        404,
        "NotFound",
        /^No ARM operation matches GET /,
      );
    }
  });

  test("paths that start with // (what arm-authorization sends) route like single-slashed ones", async () => {
    const single = await armRequest(keyless, "GET", roleDefinitionsUrl(), { token: ownerToken });
    assert.equal(single.statusCode, 200, single.body);
    for (const url of [
      `/${roleDefinitionsUrl()}`,
      `/${groupScope}/providers/Microsoft.Authorization//roleDefinitions?${AUTHORIZATION_API}`,
    ]) {
      const double = await armRequest(keyless, "GET", url, { token: ownerToken });
      assert.equal(double.statusCode, 200, `${url}: ${double.body}`);
      assert.deepEqual(double.json(), single.json());
    }
    const missing = await armRequest(keyless, "GET", `/${roleDefinitionsUrl(groupScope, "")}`, {
      token: ownerToken,
    });
    assertArmError(missing, 400, "MissingApiVersionParameter");
  });

  test("tokens for Azure's ARM audiences, with or without a slash, and for Keyless's origin are accepted", async () => {
    for (const audience of [
      "https://management.azure.com/",
      "https://management.azure.com",
      "https://management.core.windows.net/",
      keyless.httpsUrl,
    ]) {
      const token = await mintToken(keyless, devUser(keyless), audience);
      assert.equal(decode(token).aud, audience);
      const response = await armRequest(keyless, "GET", roleDefinitionsUrl(), { token });
      assert.equal(response.statusCode, 200, `${audience}: ${response.body}`);
    }
  });

  test("a POST with a JSON content type and no body is a POST without a body", async () => {
    const response = await keyless.server.https.inject({
      method: "POST",
      url: `${keyless.env.account.resourceId}/listKeys?api-version=2023-05-01`,
      headers: { authorization: `Bearer ${ownerToken}`, "content-type": "application/json" },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json<{ key1: string }>().key1.length, 84);
    const broken = await keyless.server.https.inject({
      method: "POST",
      url: `${keyless.env.account.resourceId}/listKeys?api-version=2023-05-01`,
      headers: { authorization: `Bearer ${ownerToken}`, "content-type": "application/json" },
      payload: "{not json",
    });
    assert.equal(broken.statusCode, 400, "a body that is there must still be JSON");
  });
});

describe("role assignment requests Microsoft.Authorization refuses", () => {
  const put = (scope: string, name: string, properties: Record<string, unknown>) =>
    armRequest(keyless, "PUT", assignmentUrl(scope, name), {
      token: ownerToken,
      body: { properties },
    });
  const csUser = () => roleDefinitionArmId(subscriptionId, azureRoleIds.cognitiveServicesUser);

  test("a principalType that is not the principal's: 400 UnmatchedPrincipalType", async () => {
    const app = await createTestServicePrincipal(keyless, "typed-app");
    assertArmError(
      await put(accountScope("typed"), randomUUID(), {
        roleDefinitionId: csUser(),
        principalId: app.objectId,
        principalType: "User",
      }),
      400,
      "UnmatchedPrincipalType",
      `The PrincipalId '${app.objectId}' has type 'ServicePrincipal' , which is different from specified PrincipalType 'User'.`,
    );
  });

  test("a principal the directory does not hold: 400 PrincipalNotFound", async () => {
    const principalId = randomUUID();
    assertArmError(
      await put(accountScope("ghost"), randomUUID(), {
        roleDefinitionId: csUser(),
        principalId,
        principalType: "ServicePrincipal",
      }),
      400,
      "PrincipalNotFound",
      new RegExp(
        `^Principal ${principalId} does not exist in the directory ${keyless.env.tenantId}\\. Check that you have the correct principal ID\\.`,
      ),
    );
  });

  test("a role definition that does not exist: 400 RoleDefinitionDoesNotExist", async () => {
    const roleId = randomUUID();
    assertArmError(
      await put(accountScope("norole"), randomUUID(), {
        roleDefinitionId: roleDefinitionArmId(subscriptionId, roleId),
        principalId: keyless.env.servicePrincipal.objectId,
        principalType: "ServicePrincipal",
      }),
      400,
      "RoleDefinitionDoesNotExist",
      `The specified role definition with ID '${roleId}' does not exist.`,
    );
  });

  test("an assignment name that is not a GUID: 400 InvalidRoleAssignmentId", async () => {
    assertArmError(
      await put(accountScope("named"), "my-assignment", {
        roleDefinitionId: csUser(),
        principalId: keyless.env.servicePrincipal.objectId,
        principalType: "ServicePrincipal",
      }),
      400,
      "InvalidRoleAssignmentId",
      "The role assignment ID 'my-assignment' is not valid. The role assignment ID must be a GUID.",
    );
  });

  test("a $filter the list does not understand: 400 InvalidFilter", async () => {
    const cases = [
      `${groupScope}/providers/Microsoft.Authorization/roleAssignments?${AUTHORIZATION_API}&$filter=${encodeURIComponent("roleName eq 'Reader'")}`,
      `${groupScope}/providers/Microsoft.Authorization/roleAssignments?${AUTHORIZATION_API}&$filter=${encodeURIComponent("principalId ne 'x'")}`,
      roleDefinitionsUrl(
        groupScope,
        `${AUTHORIZATION_API}&$filter=${encodeURIComponent("principalId eq 'x'")}`,
      ),
      roleDefinitionsUrl(
        groupScope,
        `${AUTHORIZATION_API}&$filter=${encodeURIComponent("1 or 1")}`,
      ),
    ];
    for (const url of cases) {
      assertArmError(
        await armRequest(keyless, "GET", url, { token: ownerToken }),
        400,
        "InvalidFilter",
        /^The filter '.+' is not supported\.$/,
      );
    }
  });

  test("a scope that is no subscription, resource group or resource: 400 InvalidScope", async () => {
    assertArmError(
      await armRequest(
        keyless,
        "GET",
        `/subscriptions/${subscriptionId}/resourceGroups/providers/Microsoft.Authorization/roleAssignments?${AUTHORIZATION_API}`,
        { token: ownerToken },
      ),
      400,
      "InvalidScope",
    );
  });
});

describe("Microsoft.Resources: subscriptions, tenants, resource groups", () => {
  const SUBSCRIPTIONS_API = "api-version=2022-12-01";
  const GROUPS_API = "api-version=2021-04-01";
  const groupUrl = (name: string) =>
    `/subscriptions/${subscriptionId}/resourcegroups/${name}?${GROUPS_API}`;
  const appSubject = (app: { appId: string; secret: string }): TokenSubject => app;

  test("GET /subscriptions lists the dev subscription for the dev user, not for a stranger", async () => {
    const response = await armRequest(keyless, "GET", `/subscriptions?${SUBSCRIPTIONS_API}`, {
      token: ownerToken,
    });
    assert.equal(response.statusCode, 200, response.body);
    const { value } = response.json<{ value: Record<string, unknown>[] }>();
    const dev = value.find((s) => s.subscriptionId === subscriptionId);
    assert.ok(dev, response.body);
    assert.equal(dev.id, `/subscriptions/${subscriptionId}`);
    assert.equal(dev.tenantId, keyless.env.tenantId);
    assert.equal(dev.state, "Enabled");
    assert.equal(typeof dev.displayName, "string");
    const one = await armRequest(
      keyless,
      "GET",
      `/subscriptions/${subscriptionId}?${SUBSCRIPTIONS_API}`,
      { token: ownerToken },
    );
    assert.deepEqual(one.json(), dev);

    const stranger = await createTestServicePrincipal(keyless, "stranger-app");
    const strangerToken = await mintToken(keyless, appSubject(stranger));
    const hidden = await armRequest(keyless, "GET", `/subscriptions?${SUBSCRIPTIONS_API}`, {
      token: strangerToken,
    });
    assert.equal(hidden.statusCode, 200);
    assert.deepEqual(hidden.json<{ value: unknown[] }>().value, []);
    assertArmError(
      await armRequest(keyless, "GET", `/subscriptions/${subscriptionId}?${SUBSCRIPTIONS_API}`, {
        token: strangerToken,
      }),
      404,
      "SubscriptionNotFound",
      `The subscription '${subscriptionId}' could not be found.`,
    );
  });

  test("GET /tenants lists the caller's tenant", async () => {
    const response = await armRequest(keyless, "GET", `/tenants?${SUBSCRIPTIONS_API}`, {
      token: ownerToken,
    });
    assert.equal(response.statusCode, 200, response.body);
    const { value } = response.json<{ value: Record<string, unknown>[] }>();
    assert.equal(value.length, 1);
    assert.equal(value[0]!.id, `/tenants/${keyless.env.tenantId}`);
    assert.equal(value[0]!.tenantId, keyless.env.tenantId);
    assert.equal(value[0]!.defaultDomain, keyless.env.tenantDomain);
  });

  test("a resource group: PUT 201 then 200, GET, list, DELETE, then GET is 404 ResourceGroupNotFound", async () => {
    const name = `rg-${randomUUID().slice(0, 8)}`;
    const body = { location: "westeurope", tags: { owner: "tests" } };
    const created = await armRequest(keyless, "PUT", groupUrl(name), { token: ownerToken, body });
    assert.equal(created.statusCode, 201, created.body);
    const expected = {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
      name,
      type: "Microsoft.Resources/resourceGroups",
      location: "westeurope",
      tags: { owner: "tests" },
      properties: { provisioningState: "Succeeded" },
    };
    assert.deepEqual(created.json(), expected);
    const updated = await armRequest(keyless, "PUT", groupUrl(name), { token: ownerToken, body });
    assert.equal(updated.statusCode, 200, updated.body);
    assert.deepEqual(updated.json(), expected);

    const got = await armRequest(keyless, "GET", groupUrl(name), { token: ownerToken });
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), expected);
    const listed = await armRequest(
      keyless,
      "GET",
      `/subscriptions/${subscriptionId}/resourcegroups?${GROUPS_API}`,
      { token: ownerToken },
    );
    const names = listed.json<{ value: { name: string }[] }>().value.map((g) => g.name);
    assert.ok(names.includes(name) && names.includes(keyless.env.resourceGroup), names.join());

    const deleted = await armRequest(keyless, "DELETE", groupUrl(name), { token: ownerToken });
    assert.equal(deleted.statusCode, 200, deleted.body);
    assertArmError(
      await armRequest(keyless, "GET", groupUrl(name), { token: ownerToken }),
      404,
      "ResourceGroupNotFound",
      `Resource group '${name}' could not be found.`,
    );
  });

  test("a resource group needs a location, and a stranger may neither create nor see one", async () => {
    const name = `rg-${randomUUID().slice(0, 8)}`;
    assertArmError(
      await armRequest(keyless, "PUT", groupUrl(name), { token: ownerToken, body: {} }),
      400,
      "InvalidRequestContent",
    );
    const user = await createTestUser(keyless, "rg-stranger");
    const token = await mintToken(keyless, user);
    assertArmError(
      await armRequest(keyless, "PUT", groupUrl(name), { token, body: { location: "eastus" } }),
      403,
      "AuthorizationFailed",
      `The client '${user.userPrincipalName}' with object id '${user.objectId}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/write' over scope '/subscriptions/${subscriptionId}/resourceGroups/${name}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
    const listed = await armRequest(
      keyless,
      "GET",
      `/subscriptions/${subscriptionId}/resourcegroups?${GROUPS_API}`,
      { token },
    );
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json<{ value: unknown[] }>().value, []);
  });
});
