import type { TokenCaller } from "./authenticate-caller.js";

/** Callers remembered at most; all are forgotten when full (a gateway sees few distinct tokens). */
const MAX_CALLERS = 10_000;
/**
 * Characters of the header's end that key the map: the tail of a token's signature, which
 * differs between any two tokens. Hashing the whole header (over a kilobyte, a new string on
 * every request) for the map was a measurable share of a call; the whole header is still
 * compared before a caller is reused.
 */
const KEY_LENGTH = 32;

interface Remembered {
  /** The whole header the caller was verified from. */
  authorization: string;
  caller: TokenCaller;
  /** The directory's generation the caller was verified in. */
  generation: number;
  /** Epoch ms: the token's `exp`. Past it, the verifier decides again (with its clock skew). */
  expiresAt: number;
}

/**
 * Token callers already verified, by the `Authorization` header that carried them: a caller
 * sends the same token for an hour, and verifying it (signature cache, issuer, audience,
 * principal, transitive groups) is the largest step of a call after forwarding. A caller is
 * kept only while the directory's generation lasts, so it is never older than the directory
 * reads it was built from: this replica's own changes (a principal disabled, a group joined)
 * apply to the next call, and other replicas' within the directory cache's second.
 */
export class VerifiedCallers {
  private readonly callers = new Map<string, Remembered>();

  constructor(
    /** The directory cache's `generation()`. */
    private readonly directoryGeneration: () => number,
    private readonly now: () => number,
  ) {}

  /** The directory's generation now: read it before verifying, and hand it to `remember`. */
  generation(): number {
    return this.directoryGeneration();
  }

  get(authorization: string): TokenCaller | undefined {
    const key = authorization.slice(-KEY_LENGTH);
    const known = this.callers.get(key);
    if (!known || known.authorization !== authorization) return undefined;
    if (known.generation === this.generation() && this.now() < known.expiresAt) return known.caller;
    this.callers.delete(key);
    return undefined;
  }

  /**
   * Remembers a caller verified in `generation`, read before verifying began: a directory
   * change during verification then makes the caller stale at once.
   */
  remember(authorization: string, caller: TokenCaller, generation: number): void {
    const { exp } = caller.claims;
    if (typeof exp !== "number") return;
    if (this.callers.size >= MAX_CALLERS) this.callers.clear();
    this.callers.set(authorization.slice(-KEY_LENGTH), {
      authorization,
      caller: Object.freeze(caller),
      generation,
      expiresAt: exp * 1000,
    });
  }
}
