/**
 * ClientSecretCredential (the dev service principal and its well-known secret) gets v1
 * app tokens from Keyless that verify against the tenant's published keys.
 */
import { test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import { startTestKeyless } from "../support/keyless.js";
import { tokenScopes } from "../support/token-scopes.js";
import { verifyWithJwks } from "../support/verify-with-jwks.js";

for (const { scope, audience } of tokenScopes) {
  test(`ClientSecretCredential gets a verifiable app token for ${scope}`, async () => {
    const keyless = await startTestKeyless();
    try {
      const { tenantId, servicePrincipal } = keyless.env;
      const credential = new ClientSecretCredential(
        tenantId,
        servicePrincipal.appId,
        servicePrincipal.secret,
        { authorityHost: keyless.httpsUrl, disableInstanceDiscovery: true },
      );
      const token = await credential.getToken(scope);
      await verifyWithJwks(token, keyless, {
        audience,
        oid: servicePrincipal.objectId,
        appid: servicePrincipal.appId,
        appidacr: "1",
        idtyp: "app",
      });
    } finally {
      await keyless.stop();
    }
  });
}
