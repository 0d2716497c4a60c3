/**
 * ManagedIdentityCredential through the App Service protocol (IDENTITY_ENDPOINT +
 * IDENTITY_HEADER aimed at Keyless's plain-HTTP listener). With no id Keyless serves the dev
 * managed identity; a user-assigned id names it explicitly.
 *
 * One Keyless for the whole file: msal-node fixes the source, endpoint URL included, on the
 * first request of the process, so a second server on another port would be unreachable.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ManagedIdentityCredential,
  type ManagedIdentityCredentialClientIdOptions,
  type ManagedIdentityCredentialObjectIdOptions,
  type ManagedIdentityCredentialResourceIdOptions,
} from "@azure/identity";
import { startTestKeyless } from "../support/keyless.js";
import { useAppServiceManagedIdentity } from "../support/managed-identity-env.js";
import { tokenScopes } from "../support/token-scopes.js";
import { verifyWithJwks } from "../support/verify-with-jwks.js";

type IdOptions =
  | ManagedIdentityCredentialClientIdOptions
  | ManagedIdentityCredentialResourceIdOptions
  | ManagedIdentityCredentialObjectIdOptions;

test("ManagedIdentityCredential gets verifiable tokens from the App Service endpoint", async (t) => {
  const keyless = await startTestKeyless();
  try {
    const { env } = keyless;
    const mi = env.managedIdentity;
    // INVARIANT: before any managed-identity credential exists in this process.
    useAppServiceManagedIdentity(env.endpoints.appService, env.identityHeader);

    const variants: [string, IdOptions | undefined][] = [
      ["no id (the host's identity)", undefined],
      ["clientId", { clientId: mi.clientId }],
      ["resourceId", { resourceId: mi.resourceId }],
      ["objectId", { objectId: mi.principalId }],
    ];
    // Every request must reach Keyless: a token served from msal's process-wide MI cache
    // would show up here twice.
    const seen = new Set<string>();
    for (const [name, options] of variants) {
      for (const { scope, audience } of tokenScopes) {
        await t.test(`${name}, ${scope}`, async () => {
          const credential = options
            ? new ManagedIdentityCredential(options)
            : new ManagedIdentityCredential();
          const token = await credential.getToken(scope);
          assert.ok(!seen.has(token.token), "a fresh token, not a cached one");
          seen.add(token.token);
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
    }
  } finally {
    await keyless.stop();
  }
});
