import { hash, randomBytes, randomInt } from "node:crypto";
import { epochSeconds, type Clock } from "../kernel/index.js";
import { signRs256, type JwtPayload } from "./jwt.js";
import type { KeyRing } from "./key-ring.js";
import type { Application, ServicePrincipal, Tenant, User } from "./model.js";
import { issuerV1, issuerV2 } from "./origins.js";
import type { Resource } from "./resources.js";

/** How the client proved who it is; becomes `appidacr`/`azpacr`. */
export type ClientProof = "none" | "secret" | "certificate" | "federated" | "managedIdentity";

export type TokenSubject =
  | { kind: "app"; principal: ServicePrincipal; proof: ClientProof; groups: string[] }
  | {
      kind: "user";
      user: User;
      client: Application;
      proof: ClientProof;
      scopes: string[];
      groups: string[];
    };

export interface TokenRequest {
  tenant: Tenant;
  origin: string;
  subject: TokenSubject;
  resource: Resource;
  /** Adds an OIDC id token (user sign-in with `openid`). */
  withIdToken?: boolean;
}

export interface IssuedToken {
  accessToken: string;
  idToken?: string;
  /** Epoch seconds. */
  issuedAt: number;
  expiresOn: number;
  lifetime: number;
}

export interface TokenIssuerOptions {
  lifetimeMinSeconds: number;
  lifetimeMaxSeconds: number;
}

// Entra caps the groups claim; above that a client must ask Graph. Keyless authorizes from
// the directory itself, so the claim is informational.
const MAX_GROUPS_IN_TOKEN = 200;

const acr = (proof: ClientProof): string =>
  proof === "none" ? "0" : proof === "secret" ? "1" : "2";

/**
 * The opaque claims `aio` (24 random bytes), `rh` (32) and `uti` (16), drawn in one call:
 * each `randomBytes` call costs a crypto job, so one call of 72 bytes is a third of three.
 */
function opaqueClaims(): { aio: string; rh: string; uti: string } {
  const random = randomBytes(72);
  return {
    aio: random.toString("base64url", 0, 24),
    rh: `0.${random.toString("base64url", 24, 56)}.`,
    uti: random.toString("base64url", 56, 72),
  };
}

/** Builds Entra-shaped v1/v2 access tokens and signs them with the ring's current key. */
export class TokenIssuer {
  constructor(
    private readonly keyRing: KeyRing,
    private readonly clock: Clock,
    private readonly options: TokenIssuerOptions,
  ) {}

  async issue(request: TokenRequest): Promise<IssuedToken> {
    const now = epochSeconds(this.clock.now());
    const lifetime =
      this.options.lifetimeMinSeconds === this.options.lifetimeMaxSeconds
        ? this.options.lifetimeMinSeconds
        : randomInt(this.options.lifetimeMinSeconds, this.options.lifetimeMaxSeconds + 1);
    const claims = accessTokenClaims(request, now, now + lifetime);
    const signer = this.keyRing.signer();
    const header = { typ: "JWT", alg: "RS256", x5t: signer.kid, kid: signer.kid };
    const accessToken = await signRs256(header, claims, signer.privateKey);
    const idToken =
      request.withIdToken && request.subject.kind === "user"
        ? await signRs256(
            header,
            idTokenClaims(request, request.subject, now, now + lifetime),
            signer.privateKey,
          )
        : undefined;
    return { accessToken, idToken, issuedAt: now, expiresOn: now + lifetime, lifetime };
  }
}

function accessTokenClaims(request: TokenRequest, iat: number, exp: number): JwtPayload {
  const { tenant, origin, subject, resource } = request;
  const v2 = resource.version === 2;
  const iss = v2 ? issuerV2(origin, tenant.id) : issuerV1(origin, tenant.id);
  const clientId = subject.kind === "app" ? subject.principal.appId : subject.client.appId;
  const oid = subject.kind === "app" ? subject.principal.id : subject.user.id;
  const opaque = opaqueClaims();
  const claims: JwtPayload = {
    aud: resource.audience,
    iss,
    iat,
    nbf: iat,
    exp,
    aio: opaque.aio,
    ...(v2
      ? { azp: clientId, azpacr: acr(subject.proof) }
      : { appid: clientId, appidacr: acr(subject.proof) }),
    ...(subject.groups.length > 0 ? { groups: subject.groups.slice(0, MAX_GROUPS_IN_TOKEN) } : {}),
    ...(v2 ? {} : { idp: iss }),
    idtyp: subject.kind,
    oid,
    rh: opaque.rh,
    sub: subject.kind === "app" ? oid : pairwiseSubject(oid, clientId),
    tid: tenant.id,
    uti: opaque.uti,
    ver: v2 ? "2.0" : "1.0",
  };
  if (subject.kind === "app" && subject.principal.managedIdentityResourceId) {
    claims.xms_mirid = subject.principal.managedIdentityResourceId;
  }
  if (subject.kind === "user") Object.assign(claims, userClaims(subject.user, subject.scopes, v2));
  return claims;
}

function userClaims(user: User, scopes: string[], v2: boolean): JwtPayload {
  return {
    amr: ["pwd"],
    name: user.displayName,
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.surname ? { family_name: user.surname } : {}),
    scp: scopes.join(" "),
    ...(v2
      ? { preferred_username: user.userPrincipalName }
      : { unique_name: user.userPrincipalName, upn: user.userPrincipalName }),
  };
}

function idTokenClaims(
  request: TokenRequest,
  subject: Extract<TokenSubject, { kind: "user" }>,
  iat: number,
  exp: number,
): JwtPayload {
  return {
    aud: subject.client.appId,
    iss: issuerV2(request.origin, request.tenant.id),
    iat,
    nbf: iat,
    exp,
    name: subject.user.displayName,
    oid: subject.user.id,
    preferred_username: subject.user.userPrincipalName,
    sub: pairwiseSubject(subject.user.id, subject.client.appId),
    tid: request.tenant.id,
    ver: "2.0",
  };
}

/** Entra gives each application its own `sub` for a user, so apps cannot correlate users by it. */
function pairwiseSubject(oid: string, appId: string): string {
  return hash("sha256", `${oid}:${appId}`, "base64url").slice(0, 43);
}
