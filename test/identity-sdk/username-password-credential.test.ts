/**
 * UsernamePasswordCredential (ROPC) through the dev public client: the dev user's delegated
 * v1 token carries the user's claims, the group it belongs to and appidacr "0".
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsernamePasswordCredential } from "@azure/identity";
import { wellKnown } from "../../src/dev/index.js";
import { startTestKeyless } from "../support/keyless.js";
import { tokenScopes } from "../support/token-scopes.js";
import { verifyWithJwks } from "../support/verify-with-jwks.js";

for (const { scope, audience } of tokenScopes) {
  test(`UsernamePasswordCredential gets a verifiable user token for ${scope}`, async () => {
    const keyless = await startTestKeyless();
    try {
      const { tenantId, publicClient, user, group } = keyless.env;
      // Deprecated in @azure/identity (no MFA), and still what dev scripts use against Keyless.
      const credential = new UsernamePasswordCredential(
        tenantId,
        publicClient.appId,
        user.userPrincipalName,
        user.password,
        { authorityHost: keyless.httpsUrl, disableInstanceDiscovery: true },
      );
      const token = await credential.getToken(scope);
      const claims = await verifyWithJwks(token, keyless, {
        audience,
        oid: user.objectId,
        appid: publicClient.appId,
        appidacr: "0",
        idtyp: "user",
      });
      assert.equal(claims.upn, user.userPrincipalName);
      assert.equal(claims.unique_name, user.userPrincipalName);
      assert.equal(claims.name, wellKnown.user.displayName);
      // `/.default` on a first-party resource grants its delegated permission.
      assert.equal(claims.scp, "user_impersonation");
      assert.deepEqual(claims.amr, ["pwd"]);
      assert.ok(Array.isArray(claims.groups), "the token lists the user's groups");
      assert.ok(
        (claims.groups as unknown[]).includes(group.objectId),
        `groups ${JSON.stringify(claims.groups)} contain ${group.objectId}`,
      );
    } finally {
      await keyless.stop();
    }
  });
}
