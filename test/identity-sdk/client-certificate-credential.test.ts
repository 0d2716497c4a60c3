/**
 * ClientCertificateCredential with the dev certificate (PEM holding the certificate and its
 * key): msal-node signs a PS256 client assertion with `x5t#S256`, and with
 * `sendCertificateChain` also `x5c`. Keyless answers with appidacr "2" app tokens.
 */
import { test } from "node:test";
import { ClientCertificateCredential } from "@azure/identity";
import { startTestKeyless } from "../support/keyless.js";
import { tokenScopes } from "../support/token-scopes.js";
import { verifyWithJwks } from "../support/verify-with-jwks.js";

for (const sendCertificateChain of [false, true]) {
  for (const { scope, audience } of tokenScopes) {
    test(`ClientCertificateCredential (sendCertificateChain: ${sendCertificateChain}) gets a verifiable app token for ${scope}`, async () => {
      const keyless = await startTestKeyless();
      try {
        const { tenantId, certificateServicePrincipal: app } = keyless.env;
        const credential = new ClientCertificateCredential(
          tenantId,
          app.appId,
          { certificatePath: app.certificatePath },
          { authorityHost: keyless.httpsUrl, disableInstanceDiscovery: true, sendCertificateChain },
        );
        const token = await credential.getToken(scope);
        await verifyWithJwks(token, keyless, {
          audience,
          oid: app.objectId,
          appid: app.appId,
          appidacr: "2",
          idtyp: "app",
        });
      } finally {
        await keyless.stop();
      }
    });
  }
}
