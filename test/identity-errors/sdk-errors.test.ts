/**
 * What the official @azure/identity credentials surface when Keyless refuses them, over real
 * HTTPS: the AADSTS code and text reach the caller inside the SDK's error.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  AuthenticationRequiredError,
  ClientCertificateCredential,
  ClientSecretCredential,
  CredentialUnavailableError,
} from "@azure/identity";
import { createClientCertificate } from "../../src/tls/index.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";

const SCOPE = "https://cognitiveservices.azure.com/.default";
const UNKNOWN_APP = "3f1d6c1e-8f0b-4c55-9a55-2a2ddc6b6f01";

let keyless: TestKeyless;

before(async () => {
  keyless = await startTestKeyless();
});
after(async () => {
  await keyless?.stop();
});

const options = () => ({ authorityHost: keyless.httpsUrl, disableInstanceDiscovery: true });

/** Runs `getToken` expecting a refusal; returns the error the SDK threw. */
async function refusal(credential: { getToken(scope: string): Promise<unknown> }): Promise<Error> {
  try {
    await credential.getToken(SCOPE);
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("getToken should have been refused");
}

/** msal-node's rendering of an Entra error: "<error>: Error(s): <codes> - Timestamp: … - Description: AADSTS…". */
function assertEntraError(error: Error, oauthError: string, code: number, text: string): void {
  assert.ok(
    error instanceof AuthenticationRequiredError,
    `expected AuthenticationRequiredError, got ${error.name}: ${error.message}`,
  );
  assert.match(error.message, new RegExp(`${oauthError}: Error\\(s\\): ${code} - Timestamp: `));
  assert.ok(
    error.message.includes(`Description: AADSTS${code}: ${text}`),
    `"${error.message}" should carry AADSTS${code}: ${text}`,
  );
  assert.match(error.message, /Correlation ID: [0-9a-f-]{36} - Trace ID: [0-9a-f-]{36}/);
}

describe("ClientSecretCredential", () => {
  test("the dev secret gets a token (the control case)", async () => {
    const { tenantId, servicePrincipal } = keyless.env;
    const credential = new ClientSecretCredential(
      tenantId,
      servicePrincipal.appId,
      servicePrincipal.secret,
      options(),
    );
    const token = await credential.getToken(SCOPE);
    assert.equal(typeof token.token, "string");
  });

  test("a wrong secret surfaces invalid_client AADSTS7000215", async () => {
    const { tenantId, servicePrincipal } = keyless.env;
    const error = await refusal(
      new ClientSecretCredential(tenantId, servicePrincipal.appId, "wrong-secret", options()),
    );
    assertEntraError(error, "invalid_client", 7000215, "Invalid client secret provided.");
  });

  test("an unknown application surfaces unauthorized_client AADSTS700016", async () => {
    const error = await refusal(
      new ClientSecretCredential(keyless.env.tenantId, UNKNOWN_APP, "any-secret", options()),
    );
    assertEntraError(
      error,
      "unauthorized_client",
      700016,
      `Application with identifier '${UNKNOWN_APP}' was not found in the directory '${keyless.env.tenantId}'.`,
    );
  });

  test("the right app and secret at another existing tenant surface AADSTS700016", async () => {
    const other = await keyless.server.identity.directory.createTenant({
      displayName: "Other SDK tenant",
      defaultDomain: "other-sdk.test",
    });
    const { servicePrincipal } = keyless.env;
    const error = await refusal(
      new ClientSecretCredential(
        other.id,
        servicePrincipal.appId,
        servicePrincipal.secret,
        options(),
      ),
    );
    assertEntraError(
      error,
      "unauthorized_client",
      700016,
      `Application with identifier '${servicePrincipal.appId}' was not found in the directory '${other.id}'.`,
    );
  });

  test("an unknown tenant fails discovery: CredentialUnavailableError, no token request", async () => {
    const unknownTenant = "0b3ee2a5-5b7f-4d0c-9d3e-7f4e1b1c9a10";
    const { servicePrincipal } = keyless.env;
    const error = await refusal(
      new ClientSecretCredential(
        unknownTenant,
        servicePrincipal.appId,
        servicePrincipal.secret,
        options(),
      ),
    );
    // msal-node reads the 400 invalid_tenant discovery answer as "no metadata" and stops
    // there; the AADSTS90002 text stays on the wire (see token-endpoint-errors.test.ts).
    assert.ok(
      error instanceof CredentialUnavailableError,
      `expected CredentialUnavailableError, got ${error.name}: ${error.message}`,
    );
    assert.match(error.message, /endpoints_resolution_error/);
  });
});

describe("ClientCertificateCredential", () => {
  test("a certificate the application does not know surfaces AADSTS700027", async () => {
    const { pem } = await createClientCertificate("not-registered");
    const path = join(keyless.dataDir, "unregistered.pem");
    writeFileSync(path, pem, { mode: 0o600 });
    const error = await refusal(
      new ClientCertificateCredential(
        keyless.env.tenantId,
        keyless.env.certificateServicePrincipal.appId,
        path,
        options(),
      ),
    );
    assertEntraError(
      error,
      "invalid_client",
      700027,
      "The certificate with identifier used to sign the client assertion is not registered on application.",
    );
  });
});
