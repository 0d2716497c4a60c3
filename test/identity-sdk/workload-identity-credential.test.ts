/**
 * WorkloadIdentityCredential with a federated credential that trusts Keyless itself: the
 * dev service principal's own token (aud api://AzureADTokenExchange) is the assertion
 * another application exchanges for its token. A federated credential naming another
 * subject does not accept it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { ClientSecretCredential, WorkloadIdentityCredential } from "@azure/identity";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { tokenScopes } from "../support/token-scopes.js";
import { v1Issuer, verifyWithJwks } from "../support/verify-with-jwks.js";

const EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

/** The dev service principal's token for the exchange audience, written where AKS would mount it. */
async function federatedTokenFile(keyless: TestKeyless, dir: string): Promise<string> {
  const { tenantId, servicePrincipal } = keyless.env;
  const credential = new ClientSecretCredential(
    tenantId,
    servicePrincipal.appId,
    servicePrincipal.secret,
    { authorityHost: keyless.httpsUrl, disableInstanceDiscovery: true },
  );
  const assertion = await credential.getToken(`${EXCHANGE_AUDIENCE}/.default`);
  await verifyWithJwks(assertion, keyless, {
    audience: EXCHANGE_AUDIENCE,
    oid: servicePrincipal.objectId,
    appid: servicePrincipal.appId,
    appidacr: "1",
    idtyp: "app",
  });
  const path = join(dir, "azure-identity-token");
  writeFileSync(path, assertion.token);
  return path;
}

/** A new application whose one federated credential trusts Keyless's v1 issuer for `subject`. */
async function federatedApplication(keyless: TestKeyless, subject: string) {
  const { directory } = keyless.server.identity;
  const created = await directory.createApplication({
    tenantId: keyless.env.tenantId,
    displayName: `workload-${randomUUID().slice(0, 8)}`,
  });
  await directory.addFederatedCredential(created.application.appId, {
    name: "keyless-issued",
    issuer: v1Issuer(keyless),
    subject,
    audiences: [EXCHANGE_AUDIENCE],
  });
  return created;
}

// disableInstanceDiscovery keeps msal-node from asking login.microsoftonline.com about the
// authority (clients.md §1.2); only loopback traffic is allowed here.
const workloadCredential = (keyless: TestKeyless, clientId: string, tokenFilePath: string) =>
  new WorkloadIdentityCredential({
    tenantId: keyless.env.tenantId,
    clientId,
    tokenFilePath,
    authorityHost: keyless.httpsUrl,
    disableInstanceDiscovery: true,
  });

for (const { scope, audience } of tokenScopes) {
  test(`WorkloadIdentityCredential exchanges a Keyless-issued assertion for ${scope}`, async () => {
    const keyless = await startTestKeyless();
    const dir = mkdtempSync(join(tmpdir(), "keyless-wi-"));
    try {
      const tokenFilePath = await federatedTokenFile(keyless, dir);
      const { application, servicePrincipal } = await federatedApplication(
        keyless,
        keyless.env.servicePrincipal.objectId,
      );
      const token = await workloadCredential(keyless, application.appId, tokenFilePath).getToken(
        scope,
      );
      await verifyWithJwks(token, keyless, {
        audience,
        oid: servicePrincipal.id,
        appid: application.appId,
        appidacr: "2",
        idtyp: "app",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await keyless.stop();
    }
  });
}

test("WorkloadIdentityCredential is refused when the federated subject differs", async () => {
  const keyless = await startTestKeyless();
  const dir = mkdtempSync(join(tmpdir(), "keyless-wi-"));
  try {
    const tokenFilePath = await federatedTokenFile(keyless, dir);
    // Same issuer and audience, but the credential trusts another principal.
    const { application } = await federatedApplication(
      keyless,
      keyless.env.certificateServicePrincipal.objectId,
    );
    const credential = workloadCredential(keyless, application.appId, tokenFilePath);
    await assert.rejects(credential.getToken(tokenScopes[0].scope), (error: Error) => {
      // identity 4.13.1 wraps every msal ServerError as AuthenticationRequiredError
      // (src/msal/utils.ts handleMsalError); the server's words are in the message.
      assert.equal(error.name, "AuthenticationRequiredError");
      assert.match(error.message, /invalid_request/);
      assert.match(error.message, /AADSTS70021: No matching federated identity record found/);
      assert.match(error.message, new RegExp(keyless.env.servicePrincipal.objectId));
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await keyless.stop();
  }
});
