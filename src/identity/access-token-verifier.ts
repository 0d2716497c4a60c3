import type { Clock } from "../kernel/index.js";
import { decodeJwt, verifySignature, type DecodedJwt, type JwtPayload } from "./jwt.js";
import type { KeyRing } from "./key-ring.js";
import type { Principal } from "./model.js";
import { issuerV1, issuerV2, type Origins } from "./origins.js";
import type { DirectoryStore } from "./store.js";

/** Why a token was refused; becomes the `error_description` of a `WWW-Authenticate` challenge. */
export type TokenRejection =
  | "malformed"
  | "unsupported_algorithm"
  | "unknown_key"
  | "bad_signature"
  | "wrong_issuer"
  | "wrong_audience"
  | "expired"
  | "not_yet_valid"
  | "principal_disabled";

export type VerificationResult =
  | { ok: true; claims: JwtPayload; principal: Principal }
  | { ok: false; reason: TokenRejection; claims?: JwtPayload };

export interface VerifyOptions {
  /** Accepted `aud` values, compared case-insensitively without a trailing `/`; undefined accepts any. */
  audiences?: readonly string[];
}

const ALGORITHMS = ["RS256"] as const;
/** Verified signatures remembered; the map is cleared when full (a gateway sees few distinct tokens). */
const MAX_VERIFIED = 10_000;

/** Verifies access tokens Keyless issued: what every other part calls before trusting a caller. */
export class AccessTokenVerifier {
  /**
   * Tokens whose signature already checked out, by their text: a caller sends the same token
   * for an hour, and the RS256 check is most of what verifying costs. Only the signature is
   * remembered — lifetime, issuer, audience, the signing key's presence in the ring and the
   * principal's state are checked on every call.
   */
  private readonly verified = new Map<string, DecodedJwt>();

  constructor(
    private readonly keyRing: KeyRing,
    private readonly origins: Origins,
    private readonly store: DirectoryStore,
    private readonly clock: Clock,
    private readonly skewSeconds: number,
  ) {}

  async verify(token: string, options: VerifyOptions = {}): Promise<VerificationResult> {
    const signed = await this.checkSignature(token);
    if ("reason" in signed) return { ok: false, reason: signed.reason };
    const { payload } = signed;

    const timing = this.checkLifetime(payload);
    if (timing) return { ok: false, reason: timing, claims: payload };
    if (!this.isOwnIssuer(payload.iss, payload.tid))
      return { ok: false, reason: "wrong_issuer", claims: payload };
    if (options.audiences && !audienceAccepted(payload.aud, options.audiences)) {
      return { ok: false, reason: "wrong_audience", claims: payload };
    }
    const principal =
      typeof payload.oid === "string" ? await this.store.getPrincipal(payload.oid) : undefined;
    if (!principal?.accountEnabled || principal.tenantId !== payload.tid) {
      return { ok: false, reason: "principal_disabled", claims: payload };
    }
    return { ok: true, claims: payload, principal };
  }

  private async checkSignature(token: string): Promise<DecodedJwt | { reason: TokenRejection }> {
    const known = this.verified.get(token);
    const jwt = known ?? decodeJwt(token);
    if (!jwt) return { reason: "malformed" };
    const { header } = jwt;
    if (typeof header.alg !== "string" || !ALGORITHMS.includes(header.alg as "RS256")) {
      return { reason: "unsupported_algorithm" };
    }
    if (typeof header.kid !== "string") return { reason: "unknown_key" };
    const key = await this.keyRing.verificationKey(header.kid);
    if (!key) return { reason: "unknown_key" };
    if (known) return known;
    if (!verifySignature(jwt, key, ALGORITHMS)) return { reason: "bad_signature" };
    if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
    this.verified.set(token, jwt);
    return jwt;
  }

  private checkLifetime(payload: JwtPayload): TokenRejection | undefined {
    const now = this.clock.now() / 1000;
    if (typeof payload.exp !== "number" || now > payload.exp + this.skewSeconds) return "expired";
    if (typeof payload.nbf === "number" && now < payload.nbf - this.skewSeconds)
      return "not_yet_valid";
    return undefined;
  }

  private isOwnIssuer(iss: unknown, tid: unknown): boolean {
    if (typeof iss !== "string" || typeof tid !== "string") return false;
    return this.origins
      .all()
      .some((origin) => iss === issuerV1(origin, tid) || iss === issuerV2(origin, tid));
  }

  /** Whether `issuer` is one Keyless issues as, for some tenant (used for federated assertions). */
  isOwnIssuerUrl(issuer: string): boolean {
    return this.origins.all().some((origin) => issuer.startsWith(`${origin}/`));
  }
}

const bare = (value: string): string => value.replace(/\/+$/, "").toLowerCase();

function audienceAccepted(aud: unknown, accepted: readonly string[]): boolean {
  const audiences = Array.isArray(aud) ? aud : [aud];
  return audiences.some(
    (value) => typeof value === "string" && accepted.some((a) => bare(a) === bare(value)),
  );
}
