import { oauthErrors } from "../errors.js";
import type { JwtPayload } from "../jwt.js";
import type { FederatedCredential } from "../model.js";
import type {
  ClientCredentialDeps,
  ClientCredentialKind,
  PresentedClientCredential,
} from "./client-credential-kind.js";

/**
 * Workload identity: a token from a trusted issuer (Kubernetes, GitHub Actions, Keyless
 * itself) whose issuer, subject and audience match one of the application's federated
 * credentials.
 */
export const federatedAssertion: ClientCredentialKind = {
  name: "federated",
  presentedIn: (credential) =>
    credential.assertion !== undefined && credential.assertion.payload.iss !== credential.clientId,
  async verify(credential, application, deps) {
    const { payload } = credential.assertion!;
    const issuer = typeof payload.iss === "string" ? payload.iss : "";
    const subject = typeof payload.sub === "string" ? payload.sub : "";
    const audiences = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).filter(
      (aud): aud is string => typeof aud === "string",
    );
    const match = (await deps.store.listFederatedCredentials(application.appId)).find(
      (record) =>
        record.issuer === issuer &&
        record.subject === subject &&
        audiences.some((aud) => record.audiences.includes(aud)),
    );
    if (!match)
      throw oauthErrors.noMatchingFederatedCredential(issuer, subject, audiences.join(","));
    await verifyIssuerSignature(credential, match, deps);
    return "federated";
  },
};

async function verifyIssuerSignature(
  credential: PresentedClientCredential,
  match: FederatedCredential,
  deps: ClientCredentialDeps,
): Promise<JwtPayload> {
  if (deps.verifier.isOwnIssuerUrl(match.issuer)) {
    const result = await deps.verifier.verify(credential.rawAssertion!, {
      audiences: match.audiences,
    });
    if (!result.ok) {
      if (result.reason === "expired" || result.reason === "not_yet_valid")
        throw oauthErrors.assertionTimeInvalid();
      throw oauthErrors.federatedAssertionInvalid(result.reason.replace(/_/g, " "));
    }
    return result.claims;
  }
  return deps.externalIssuers.verify(
    credential.rawAssertion!,
    match.issuer,
    match.audiences,
    deps.skewSeconds,
  );
}
