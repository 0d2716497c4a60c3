/**
 * Code that cannot pass `disableInstanceDiscovery` (EnvironmentCredential, and so
 * DefaultAzureCredential's first link) reaches Keyless through the `adfs` authority:
 * msal-node trusts it without asking login.microsoftonline.com (clients.md §1.2 option ii).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EnvironmentCredential } from "@azure/identity";
import { startTestKeyless } from "../support/keyless.js";
import { tokenScopes } from "../support/token-scopes.js";
import { verifyWithJwks } from "../support/verify-with-jwks.js";

test("EnvironmentCredential with AZURE_TENANT_ID=adfs and AZURE_AUTHORITY_HOST gets app tokens", async (t) => {
  const keyless = await startTestKeyless();
  try {
    const { servicePrincipal } = keyless.env;
    Object.assign(process.env, {
      AZURE_TENANT_ID: "adfs",
      AZURE_CLIENT_ID: servicePrincipal.appId,
      AZURE_CLIENT_SECRET: servicePrincipal.secret,
      AZURE_AUTHORITY_HOST: keyless.httpsUrl,
    });
    const credential = new EnvironmentCredential();
    for (const { scope, audience } of tokenScopes) {
      await t.test(scope, async () => {
        const claims = await verifyWithJwks(await credential.getToken(scope), keyless, {
          audience,
          oid: servicePrincipal.objectId,
          appid: servicePrincipal.appId,
          appidacr: "1",
          idtyp: "app",
        });
        assert.equal(claims.tid, keyless.env.tenantId, "adfs is served from the first tenant");
      });
    }
  } finally {
    for (const name of [
      "AZURE_TENANT_ID",
      "AZURE_CLIENT_ID",
      "AZURE_CLIENT_SECRET",
      "AZURE_AUTHORITY_HOST",
    ]) {
      delete process.env[name];
    }
    await keyless.stop();
  }
});
