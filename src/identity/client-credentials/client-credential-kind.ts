import type { Clock } from "../../kernel/index.js";
import type { AccessTokenVerifier } from "../access-token-verifier.js";
import type { ExternalIssuers } from "../external-issuers.js";
import type { DecodedJwt } from "../jwt.js";
import type { Application, Tenant } from "../model.js";
import type { DirectoryStore } from "../store.js";
import type { ClientProof } from "../token-issuer.js";

/** The credential part of a token request, whichever way the client sent it. */
export interface PresentedClientCredential {
  clientId: string;
  clientSecret?: string;
  assertion?: DecodedJwt;
  rawAssertion?: string;
  tenant: Tenant;
  /** Token endpoint URLs a client assertion may name as its audience. */
  tokenEndpoints: string[];
}

export interface ClientCredentialDeps {
  store: DirectoryStore;
  clock: Clock;
  skewSeconds: number;
  verifier: AccessTokenVerifier;
  externalIssuers: ExternalIssuers;
}

/** One way a confidential client proves its identity. Registered in `index.ts`. */
export interface ClientCredentialKind {
  readonly name: string;
  presentedIn(credential: PresentedClientCredential): boolean;
  /** Resolves to the proof on success; throws an OAuthError otherwise. */
  verify(
    credential: PresentedClientCredential,
    application: Application,
    deps: ClientCredentialDeps,
  ): Promise<ClientProof>;
}

/** `exp` (required) and `nbf` (optional) of an assertion, with skew; floats are allowed (MSAL Python). */
export function assertionTimeValid(
  payload: Record<string, unknown>,
  nowMs: number,
  skewSeconds: number,
): boolean {
  const now = nowMs / 1000;
  if (typeof payload.exp !== "number" || now > payload.exp + skewSeconds) return false;
  return !(typeof payload.nbf === "number" && now < payload.nbf - skewSeconds);
}
