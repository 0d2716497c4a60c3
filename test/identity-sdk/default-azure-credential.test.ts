/**
 * The README's zero-code path, end to end: `keyless start` as a real process, the App
 * Service variables from its dev-environment.json, and an unchanged `new
 * DefaultAzureCredential()`. EnvironmentCredential and WorkloadIdentityCredential find
 * nothing, so the chain's ManagedIdentityCredential answers with the dev managed identity.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DefaultAzureCredential } from "@azure/identity";
import { spawnKeyless } from "../support/keyless.js";
import { useAppServiceManagedIdentity } from "../support/managed-identity-env.js";
import { tokenScopes } from "../support/token-scopes.js";
import { verifyWithJwks } from "../support/verify-with-jwks.js";

test("DefaultAzureCredential with only the App Service variables gets the dev managed identity's tokens", async (t) => {
  const keyless = await spawnKeyless();
  let stopped = false;
  try {
    const { env } = keyless;
    const appService = env.environment.appService;
    // INVARIANT: before DefaultAzureCredential (and its managed-identity credential) exists.
    useAppServiceManagedIdentity(appService.IDENTITY_ENDPOINT, appService.IDENTITY_HEADER);
    for (const name of ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET"])
      assert.equal(process.env[name], undefined, `${name} is unset`);

    const credential = new DefaultAzureCredential();
    for (const { scope, audience } of tokenScopes) {
      await t.test(scope, async () => {
        const token = await credential.getToken(scope);
        const claims = await verifyWithJwks(token, keyless, {
          audience,
          oid: env.managedIdentity.principalId,
          appid: env.managedIdentity.clientId,
          appidacr: "2",
          idtyp: "app",
        });
        assert.equal(
          (claims.xms_mirid as string).toLowerCase(),
          env.managedIdentity.resourceId.toLowerCase(),
        );
      });
    }

    stopped = true;
    assert.equal(await keyless.stop(), 0, `keyless exits 0 on SIGTERM:\n${keyless.stdout()}`);
  } finally {
    if (!stopped) await keyless.stop();
  }
});
