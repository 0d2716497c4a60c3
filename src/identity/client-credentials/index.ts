import { certificateAssertion } from "./certificate-assertion.js";
import type { ClientCredentialKind } from "./client-credential-kind.js";
import { clientSecret } from "./client-secret.js";
import { federatedAssertion } from "./federated-assertion.js";

/** Every way a confidential client can authenticate; the first that the request presents is used. */
export const clientCredentialKinds: readonly ClientCredentialKind[] = [
  clientSecret,
  certificateAssertion,
  federatedAssertion,
];

export type { ClientCredentialDeps, PresentedClientCredential } from "./client-credential-kind.js";
