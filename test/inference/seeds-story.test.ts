/**
 * The story Keyless exists for, told black-box over real HTTPS in the order a team lives it: a
 * new application's token is refused until "Cognitive Services User" is assigned to it (being
 * Owner of the subscription is not enough), and then the same token works on the next request; keys
 * stop working when `disableLocalAuth` is set and when they are rotated; "Cognitive Services
 * OpenAI User" reaches OpenAI models only. Changes go through the official ARM clients as the
 * dev user; data-plane calls are plain `fetch`, so every status, code, message and header is
 * checked exactly as Azure words it (contract/README.md decisions 2 and 3).
 *
 * The tests run in order and share the principals and the token they create.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { CognitiveServicesManagementClient } from "@azure/arm-cognitiveservices";
import { cognitiveServicesClient } from "../support/arm-cognitiveservices-sdk.js";
import { mintToken } from "../support/arm-requests.js";
import { armAuthorizationClient } from "../support/arm-sdk.js";
import { azureRoleIds, roleDefinitionArmId } from "../support/azure-role-ids.js";
import {
  assertDataPlaneError,
  dataActions,
  dataPlaneMessages,
  permissionDeniedMessage,
} from "../support/data-plane-errors.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  createTestServicePrincipal,
  createTestUser,
  devUserCredential,
  type TestServicePrincipal,
} from "../support/test-principals.js";

const COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default";
const OPENAI_CHAT_ROUTE = "POST /openai/deployments/{deployment-id}/chat/completions";

/** Real time plus an offset the expiry test moves, so Keyless can be made to see a token expire. */
class ShiftedClock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

type Credentials = { token: string } | { key: string } | { keyAsBearer: string } | {};

/** How a data-plane call names its deployment: in the path, or in the body's `model`. */
type Route = "openai-deployments" | "models";

let keyless: TestKeyless;
const clock = new ShiftedClock();
/** The dev user, Owner of the dev subscription, through the official ARM clients. */
let rbac: AuthorizationManagementClient;
let accounts: CognitiveServicesManagementClient;
let key1: string;
let key2: string;
/** A new application, and the one token of its the story keeps using. */
let app: TestServicePrincipal;
let appToken: string;

before(async () => {
  keyless = await startTestKeyless({}, { clock });
  rbac = armAuthorizationClient(keyless, devUserCredential(keyless)).client;
  accounts = cognitiveServicesClient(keyless, devUserCredential(keyless)).client;
  ({ key1, key2 } = (await accounts.accounts.listKeys(
    keyless.env.resourceGroup,
    keyless.env.account.name,
  )) as { key1: string; key2: string });
});
after(async () => {
  await keyless?.stop();
});

const accountScope = () => keyless.env.account.resourceId;
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

/** A chat completion on `deployment` over HTTPS, authenticated as `credentials` says. */
function chat(
  credentials: Credentials,
  deployment = "gpt-4o",
  route: Route = "openai-deployments",
): Promise<Response> {
  const { endpoint } = keyless.env.account;
  const url =
    route === "openai-deployments"
      ? `${endpoint}openai/deployments/${deployment}/chat/completions?api-version=2024-10-21`
      : `${endpoint}models/chat/completions?api-version=2024-05-01-preview`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if ("token" in credentials) headers.authorization = `Bearer ${credentials.token}`;
  if ("key" in credentials) headers["api-key"] = credentials.key;
  if ("keyAsBearer" in credentials) headers.authorization = `Bearer ${credentials.keyAsBearer}`;
  return fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({
      ...(route === "models" && { model: deployment }),
      messages: [{ role: "user", content: "Say hello." }],
    }),
  });
}

/** Asserts the call was answered: 200 and a completion with content. */
async function assertAnswered(response: Response): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const body = JSON.parse(text) as { choices: { message: { content: string } }[] };
  assert.ok(body.choices[0]!.message.content.length > 0, text);
}

const permissionDenied = (principalId: string, dataAction: string, operation: string) => ({
  status: 401,
  code: "PermissionDenied",
  message: permissionDeniedMessage(principalId, dataAction, operation),
});
const invalidToken = { status: 401, code: "Unauthorized", message: dataPlaneMessages.invalidToken };

/** The owner assigns a built-in role at the dev account; returns once ARM has accepted it. */
async function assignAtAccount(
  roleId: string,
  principalId: string,
  principalType: "ServicePrincipal" | "User",
): Promise<void> {
  await rbac.roleAssignments.create(accountScope(), randomUUID(), {
    roleDefinitionId: roleDefinitionArmId(keyless.env.subscriptionId, roleId),
    principalId,
    principalType,
  });
}

test("no key and no token: 401, code 401, the missing-key message", async () => {
  for (const route of ["openai-deployments", "models"] as const) {
    await assertDataPlaneError(await chat({}, "gpt-4o", route), {
      status: 401,
      code: "401",
      message: dataPlaneMessages.missingCredentials,
    });
  }
});

test("a new application's token is refused: 401 PermissionDenied naming its object id and the dataAction", async () => {
  app = await createTestServicePrincipal(keyless, "story-app");
  appToken = (await app.credential.getToken(COGNITIVE_SCOPE)).token;
  assert.equal(claimsOf(appToken).aud, "https://cognitiveservices.azure.com");
  assert.equal(claimsOf(appToken).oid, app.objectId);
  await assertDataPlaneError(
    await chat({ token: appToken }),
    permissionDenied(app.objectId, dataActions.openAiChat, OPENAI_CHAT_ROUTE),
  );
});

test("an Owner of the subscription without a data role is refused the same way", async () => {
  const owner = await createTestUser(keyless, "story-owner");
  await rbac.roleAssignments.create(`/subscriptions/${keyless.env.subscriptionId}`, randomUUID(), {
    roleDefinitionId: roleDefinitionArmId(keyless.env.subscriptionId, azureRoleIds.owner),
    principalId: owner.objectId,
    principalType: "User",
  });
  // Owner is real: the user can read the account's keys through ARM.
  const asOwner = cognitiveServicesClient(keyless, owner.credential).client;
  const keys = await asOwner.accounts.listKeys(keyless.env.resourceGroup, keyless.env.account.name);
  assert.equal(keys.key1, key1);
  // …but Owner's actions hold no dataActions, so the user's own token calls no model.
  const token = (await owner.credential.getToken(COGNITIVE_SCOPE)).token;
  assert.equal(claimsOf(token).oid, owner.objectId);
  await assertDataPlaneError(
    await chat({ token }),
    permissionDenied(owner.objectId, dataActions.openAiChat, OPENAI_CHAT_ROUTE),
  );
});

test('once "Cognitive Services User" is assigned at the account, the same token is accepted on the next request', async () => {
  await assignAtAccount(azureRoleIds.cognitiveServicesUser, app.objectId, "ServicePrincipal");
  await assertAnswered(await chat({ token: appToken }));
  // Cognitive Services User reaches the non-OpenAI model too.
  await assertAnswered(await chat({ token: appToken }, "phi-4", "models"));
});

test("with disableLocalAuth the key is refused with 403 AuthenticationTypeDisabled and the token still works", async () => {
  const { resourceGroup, account } = keyless.env;
  const localAuthDisabled = {
    status: 403,
    code: "AuthenticationTypeDisabled",
    message: dataPlaneMessages.localAuthDisabled,
  };
  await assertAnswered(await chat({ key: key1 }));
  await accounts.accounts.beginUpdateAndWait(resourceGroup, account.name, {
    properties: { disableLocalAuth: true },
  });
  try {
    // The replica that took the write applies it before answering: the next request sees it.
    await assertDataPlaneError(await chat({ key: key1 }), localAuthDisabled);
    await assertDataPlaneError(await chat({ keyAsBearer: key1 }), localAuthDisabled);
    await assertDataPlaneError(await chat({ key: key2 }, "phi-4", "models"), localAuthDisabled);
    await assertAnswered(await chat({ token: appToken }));
  } finally {
    await accounts.accounts.beginUpdateAndWait(resourceGroup, account.name, {
      properties: { disableLocalAuth: false },
    });
  }
  await assertAnswered(await chat({ key: key1 }));
});

test("after Key1 is regenerated the old Key1 is refused (401, code 401) and the new one works", async () => {
  const rotated = await accounts.accounts.regenerateKey(
    keyless.env.resourceGroup,
    keyless.env.account.name,
    "Key1",
  );
  assert.notEqual(rotated.key1, key1);
  assert.equal(rotated.key2, key2);
  await assertDataPlaneError(await chat({ key: key1 }), {
    status: 401,
    code: "401",
    message: dataPlaneMessages.invalidKey,
  });
  await assertAnswered(await chat({ key: rotated.key1! }));
  await assertAnswered(await chat({ keyAsBearer: rotated.key1! }, "phi-4", "models"));
  await assertAnswered(await chat({ key: key2 }));
  key1 = rotated.key1!;
});

test('"Cognitive Services OpenAI User" reaches gpt-4o on both routes but not phi-4 (MaaS)', async () => {
  const openAiUser = await createTestServicePrincipal(keyless, "story-openai-user");
  await assignAtAccount(
    azureRoleIds.cognitiveServicesOpenAiUser,
    openAiUser.objectId,
    "ServicePrincipal",
  );
  const token = (await openAiUser.credential.getToken(COGNITIVE_SCOPE)).token;
  await assertAnswered(await chat({ token }, "gpt-4o", "models"));
  await assertAnswered(await chat({ token }, "gpt-4o", "openai-deployments"));
  await assertDataPlaneError(
    await chat({ token }, "phi-4", "models"),
    permissionDenied(openAiUser.objectId, dataActions.maasChat, "POST /models/chat/completions"),
  );
});

test("a management-audience token: 401 Unauthorized with a wrong_audience challenge", async () => {
  const { appId, secret } = keyless.env.servicePrincipal;
  const token = await mintToken(keyless, { appId, secret }, "https://management.azure.com");
  const response = await chat({ token });
  assert.equal(
    response.headers.get("www-authenticate"),
    'Bearer error="invalid_token", error_description="wrong_audience"',
  );
  await assertDataPlaneError(response, invalidToken);
});

test("an expired token: 401 Unauthorized with an expired challenge", async () => {
  const { appId, secret } = keyless.env.servicePrincipal;
  const token = await mintToken(keyless, { appId, secret }, "https://cognitiveservices.azure.com");
  await assertAnswered(await chat({ token }));
  const exp = claimsOf(token).exp as number;
  // Past exp and the verifier's clock skew allowance (60 s).
  clock.offsetMs = (exp + 120) * 1000 - Date.now();
  try {
    const response = await chat({ token });
    assert.equal(
      response.headers.get("www-authenticate"),
      'Bearer error="invalid_token", error_description="expired"',
    );
    await assertDataPlaneError(response, invalidToken);
  } finally {
    clock.offsetMs = 0;
  }
});
