/**
 * ManagedIdentityCredential through the IMDS protocol, with AZURE_POD_IDENTITY_AUTHORITY_HOST
 * aimed at Keyless's plain-HTTP listener (msal-node then asks
 * `/metadata/identity/oauth2/token/`, trailing slash included, with `Metadata: true`).
 *
 * One Keyless for the whole file: msal-node fixes the source, endpoint URL included, on the
 * first request of the process.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ManagedIdentityCredential } from "@azure/identity";
import { startTestKeyless } from "../support/keyless.js";
import { useImdsManagedIdentity } from "../support/managed-identity-env.js";
import { tokenScopes } from "../support/token-scopes.js";
import { verifyWithJwks } from "../support/verify-with-jwks.js";

test("ManagedIdentityCredential gets verifiable tokens from the IMDS endpoint", async (t) => {
  const keyless = await startTestKeyless();
  try {
    const mi = keyless.env.managedIdentity;
    // INVARIANT: before any managed-identity credential exists in this process.
    useImdsManagedIdentity(keyless.httpUrl);

    for (const { scope, audience } of tokenScopes) {
      await t.test(`clientId, ${scope}`, async () => {
        const credential = new ManagedIdentityCredential({ clientId: mi.clientId });
        const token = await credential.getToken(scope);
        const claims = await verifyWithJwks(token, keyless, {
          audience,
          oid: mi.principalId,
          appid: mi.clientId,
          appidacr: "2",
          idtyp: "app",
        });
        assert.equal(typeof claims.xms_mirid, "string");
        assert.equal((claims.xms_mirid as string).toLowerCase(), mi.resourceId.toLowerCase());
      });
    }
  } finally {
    await keyless.stop();
  }
});
