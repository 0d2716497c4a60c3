import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { oauthErrors } from "./errors.js";

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Signing keys of the outside issuers that federated credentials trust (Kubernetes service
 * account issuers, GitHub Actions, another Entra tenant). Only issuers named by a federated
 * credential are ever fetched, so a request cannot make Keyless call an arbitrary URL.
 */
export class ExternalIssuers {
  private readonly keySets = new Map<string, Promise<KeySet>>();

  async verify(
    assertion: string,
    issuer: string,
    audiences: string[],
    skewSeconds: number,
  ): Promise<JWTPayload> {
    let keySet: KeySet;
    try {
      keySet = await this.keySet(issuer);
    } catch (error) {
      this.keySets.delete(issuer);
      throw oauthErrors.federatedAssertionInvalid(
        `the keys of issuer '${issuer}' could not be fetched (${(error as Error).message})`,
      );
    }
    try {
      const { payload } = await jwtVerify(assertion, keySet, {
        issuer,
        audience: audiences,
        clockTolerance: skewSeconds,
        algorithms: ["RS256", "PS256", "ES256"],
      });
      return payload;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_JWT_EXPIRED") throw oauthErrors.assertionTimeInvalid();
      throw oauthErrors.federatedAssertionInvalid((error as Error).message);
    }
  }

  private keySet(issuer: string): Promise<KeySet> {
    let keySet = this.keySets.get(issuer);
    if (!keySet) {
      keySet = discoverJwksUri(issuer).then((uri) => createRemoteJWKSet(new URL(uri)));
      this.keySets.set(issuer, keySet);
    }
    return keySet;
  }
}

async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const document = (await response.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== "string") throw new Error(`${url} has no jwks_uri`);
  return document.jwks_uri;
}
