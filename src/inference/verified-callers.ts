import type { TokenCaller } from "./authenticate-caller.js";

/** Callers remembered at most; all are forgotten when full (a gateway sees few distinct tokens). */
const MAX_CALLERS = 10_000;

interface Remembered {
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
    const known = this.callers.get(authorization);
    if (!known) return undefined;
    if (known.generation === this.generation() && this.now() < known.expiresAt) return known.caller;
    this.callers.delete(authorization);
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
    this.callers.set(authorization, {
      caller: Object.freeze(caller),
      generation,
      expiresAt: exp * 1000,
    });
  }
}
