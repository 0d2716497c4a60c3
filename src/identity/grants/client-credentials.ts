import type { Grant } from "./grant.js";
import { requestedResource } from "./requested-resource.js";

/** An application acting as itself: a secret, a certificate assertion or a federated assertion. */
export const clientCredentialsGrant: Grant = {
  grantType: "client_credentials",
  async handle(context) {
    const { servicePrincipal, proof } = await context.authenticateClient();
    const { resource } = await requestedResource(context, true);
    const groups = await context.directory.transitiveGroups(servicePrincipal.id);
    return { subject: { kind: "app", principal: servicePrincipal, proof, groups }, resource };
  },
};
