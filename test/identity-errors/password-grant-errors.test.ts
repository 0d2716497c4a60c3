/**
 * The password grant's refusals: wrong or unknown credentials (one answer for both, so names
 * cannot be probed), disabled users, and public clients that present a credential.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  assertOAuthError,
  assertTokenIssued,
  compact,
  decodePart,
  JWT_BEARER,
  postToken,
} from "./token-requests.js";

const SCOPE = "https://management.azure.com/.default openid profile offline_access";
const INVALID_CREDENTIALS = "Error validating credentials due to invalid username or password.";

let keyless: TestKeyless;

before(async () => {
  keyless = await startTestKeyless();
});
after(async () => {
  await keyless?.stop();
});

function passwordForm(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  return compact({
    grant_type: "password",
    client_id: keyless.env.publicClient.appId,
    username: keyless.env.user.userPrincipalName,
    password: keyless.env.user.password,
    scope: SCOPE,
    client_info: "1",
    ...overrides,
  });
}

async function newUser(name: string, tenantId: string = keyless.env.tenantId) {
  const password = `${name}-Passw0rd!`;
  const user = await keyless.server.identity.directory.createUser({
    tenantId,
    userPrincipalName: `${name}@keyless.test`,
    displayName: name,
    password,
  });
  return { user, password };
}

test("the dev user signs in through the public client (the control case)", async () => {
  const body = assertTokenIssued(await postToken(keyless, passwordForm()));
  assert.equal(decodePart(body.access_token, 1).upn, keyless.env.user.userPrincipalName);
});

describe("user credentials", () => {
  test("a wrong password is 400 invalid_grant AADSTS50126", async () => {
    const response = await postToken(keyless, passwordForm({ password: "wrong" }));
    assertOAuthError(response, {
      status: 400,
      error: "invalid_grant",
      code: 50126,
      text: INVALID_CREDENTIALS,
    });
  });

  test("an empty password is AADSTS50126", async () => {
    const response = await postToken(keyless, passwordForm({ password: "" }));
    assertOAuthError(response, { status: 400, error: "invalid_grant", code: 50126 });
  });

  test("an unknown user gets the same AADSTS50126 as a wrong password", async () => {
    const response = await postToken(keyless, passwordForm({ username: "nobody@keyless.test" }));
    assertOAuthError(response, {
      status: 400,
      error: "invalid_grant",
      code: 50126,
      text: INVALID_CREDENTIALS,
    });
  });

  test("a user of another tenant is AADSTS50126 here", async () => {
    const other = await keyless.server.identity.directory.createTenant({
      displayName: "Other users",
      defaultDomain: "other-users.test",
    });
    const { user, password } = await newUser("elsewhere", other.id);
    const response = await postToken(
      keyless,
      passwordForm({ username: user.userPrincipalName, password }),
    );
    assertOAuthError(response, { status: 400, error: "invalid_grant", code: 50126 });
  });

  test("a disabled user is AADSTS50057 with the right password, AADSTS50126 with a wrong one", async () => {
    const { user, password } = await newUser("disabled-user");
    const form = passwordForm({ username: user.userPrincipalName, password });
    assertTokenIssued(await postToken(keyless, form));
    await keyless.server.identity.directory.setAccountEnabled(user.id, false);
    assertOAuthError(await postToken(keyless, form), {
      status: 400,
      error: "invalid_grant",
      code: 50057,
      text: "The user account is disabled.",
    });
    // A disabled account does not tell a password guesser that the name exists.
    assertOAuthError(await postToken(keyless, { ...form, password: "wrong" }), {
      status: 400,
      error: "invalid_grant",
      code: 50126,
    });
  });

  for (const missing of ["username", "password"]) {
    test(`a missing ${missing} is AADSTS900144`, async () => {
      const response = await postToken(keyless, passwordForm({ [missing]: undefined }));
      assertOAuthError(response, {
        status: 400,
        error: "invalid_request",
        code: 900144,
        text: `The request body must contain the following parameter: '${missing}'.`,
      });
    });
  }
});

describe("client application", () => {
  test("a public client presenting a client_secret is 401 invalid_client AADSTS700025", async () => {
    const response = await postToken(keyless, passwordForm({ client_secret: "anything" }));
    assertOAuthError(response, {
      status: 401,
      error: "invalid_client",
      code: 700025,
      text: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    });
  });

  test("a public client presenting a client_assertion is AADSTS700025", async () => {
    const response = await postToken(
      keyless,
      passwordForm({ client_assertion: "a.b.c", client_assertion_type: JWT_BEARER }),
    );
    assertOAuthError(response, { status: 401, error: "invalid_client", code: 700025 });
  });

  test("an unknown client id is AADSTS700016", async () => {
    const clientId = "6c0f7b5d-2a4e-4b8e-9b1c-0d2e3f4a5b6c";
    const response = await postToken(keyless, passwordForm({ client_id: clientId }));
    assertOAuthError(response, {
      status: 400,
      error: "unauthorized_client",
      code: 700016,
      text: `Application with identifier '${clientId}'`,
    });
  });

  test("a confidential client must authenticate: a wrong secret is AADSTS7000215", async () => {
    const response = await postToken(
      keyless,
      passwordForm({ client_id: keyless.env.servicePrincipal.appId, client_secret: "wrong" }),
    );
    assertOAuthError(response, { status: 401, error: "invalid_client", code: 7000215 });
  });

  test("a confidential client without a credential is AADSTS7000218", async () => {
    const response = await postToken(
      keyless,
      passwordForm({ client_id: keyless.env.servicePrincipal.appId }),
    );
    assertOAuthError(response, { status: 401, error: "invalid_client", code: 7000218 });
  });

  test("a disabled public client is AADSTS7000112", async () => {
    const directory = keyless.server.identity.directory;
    const { application, servicePrincipal } = await directory.createApplication({
      tenantId: keyless.env.tenantId,
      displayName: "disabled-cli",
      publicClient: true,
    });
    const form = passwordForm({ client_id: application.appId });
    assertTokenIssued(await postToken(keyless, form));
    await directory.setAccountEnabled(servicePrincipal.id, false);
    assertOAuthError(await postToken(keyless, form), {
      status: 400,
      error: "unauthorized_client",
      code: 7000112,
      text: `Application '${application.appId}'(disabled-cli) is disabled.`,
    });
  });
});
