import { verifyClientSecret } from "../client-secrets.js";
import { oauthErrors } from "../errors.js";
import type { ClientCredentialKind } from "./client-credential-kind.js";

export const clientSecret: ClientCredentialKind = {
  name: "client_secret",
  presentedIn: (credential) => credential.clientSecret !== undefined,
  async verify(credential, application, { store, clock }) {
    const secrets = await store.listClientSecrets(application.appId);
    // INVARIANT: every stored hash is checked, so timing does not tell which secret matched.
    const matched = secrets.filter((secret) =>
      verifyClientSecret(credential.clientSecret!, secret.hash),
    );
    if (matched.length === 0) throw oauthErrors.invalidClientSecret(application.appId);
    if (!matched.some((secret) => secret.expiresAt > clock.now()))
      throw oauthErrors.expiredClientSecret(application.appId);
    return "secret";
  },
};
