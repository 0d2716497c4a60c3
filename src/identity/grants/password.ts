import { oauthErrors } from "../errors.js";
import type { Application, User } from "../model.js";
import { hashPassword, verifyPassword } from "../passwords.js";
import type { ClientProof } from "../token-issuer.js";
import type { Grant, GrantContext } from "./grant.js";
import { requestedResource } from "./requested-resource.js";

// Verified against when the user does not exist, so timing does not reveal which names exist.
const decoyHash = hashPassword("keyless-decoy-password");

/** Resource owner password credentials: a dev user signs in through a client application. */
export const passwordGrant: Grant = {
  grantType: "password",
  async handle(context) {
    const { params, tenant, directory } = context;
    if (!params.username) throw oauthErrors.missingParameter("username");
    if (params.password === undefined) throw oauthErrors.missingParameter("password");
    const { application, proof } = await authenticateClientApplication(context);

    const user = await directory.store.findUserByName(tenant.id, params.username);
    const valid = await verifyPassword(params.password, user?.passwordHash ?? (await decoyHash));
    if (!user || !user.passwordHash || !valid) throw oauthErrors.invalidUserCredentials();
    if (!user.accountEnabled) throw oauthErrors.userDisabled();

    const { resource, scopeNames, scopes } = await requestedResource(context, false);
    const granted = scopeNames.map((name) => (name === ".default" ? "user_impersonation" : name));
    return {
      subject: {
        kind: "user",
        user: user as User,
        client: application,
        proof,
        scopes: granted,
        groups: await directory.transitiveGroups(user.id),
      },
      resource,
      scope: scopes.join(" "),
      withIdToken: /(^|\s)openid(\s|$)/.test(params.scope ?? ""),
    };
  },
};

/** Public clients send only their id; confidential ones must also authenticate. */
async function authenticateClientApplication(
  context: GrantContext,
): Promise<{ application: Application; proof: ClientProof }> {
  const { params, tenant, directory } = context;
  if (!params.client_id) throw oauthErrors.missingParameter("client_id");
  const application = await directory.store.getApplication(params.client_id);
  if (!application || application.tenantId !== tenant.id) {
    throw oauthErrors.applicationNotFound(params.client_id, tenant.id);
  }
  const presentsCredential =
    params.client_secret !== undefined || params.client_assertion !== undefined;
  if (application.publicClient) {
    if (presentsCredential) throw oauthErrors.publicClientCredential();
    const servicePrincipal = await directory.store.findServicePrincipalByAppId(
      tenant.id,
      application.appId,
    );
    if (servicePrincipal && !servicePrincipal.accountEnabled) {
      throw oauthErrors.applicationDisabled(application.appId, application.displayName);
    }
    return { application, proof: "none" };
  }
  const { proof } = await context.authenticateClient();
  return { application, proof };
}
