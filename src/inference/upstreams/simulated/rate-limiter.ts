import type { Clock } from "../../../kernel/index.js";

export interface RateLimits {
  tokensPerMinute: number;
  requestsPerMinute: number;
}

/** What a request leaves of the current window (or found, when refused). */
export interface Remaining {
  requests: number;
  tokens: number;
}

export type RateDecision =
  | { allowed: true; remaining: Remaining }
  | { allowed: false; limit: "requests" | "tokens"; retryAfterMs: number; remaining: Remaining };

interface Admitted {
  at: number;
  tokens: number;
}

const WINDOW_MS = 60_000;

/**
 * Per-key request and token limits over a sliding one-minute window, as Azure OpenAI enforces
 * a deployment's quota: a request is charged its estimated tokens when it is admitted, and
 * refused while admitting it would pass either limit. Per process, like the simulated upstream
 * it guards.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Admitted[]>();

  constructor(private readonly clock: Clock) {}

  take(key: string, limits: RateLimits, tokens: number): RateDecision {
    const now = this.clock.now();
    const admitted = this.current(key, now);
    const usedTokens = admitted.reduce((sum, entry) => sum + entry.tokens, 0);
    const remaining = {
      requests: Math.max(0, limits.requestsPerMinute - admitted.length),
      tokens: Math.max(0, limits.tokensPerMinute - usedTokens),
    };
    // An idle deployment admits any one request, even one costing more than the whole limit:
    // refusing it would refuse it forever, and a retrying client would never get an answer.
    if (admitted.length > 0) {
      const requestWait = waitForRequests(admitted, limits.requestsPerMinute, now);
      const tokenWait = waitForTokens(admitted, usedTokens, limits.tokensPerMinute, tokens, now);
      if (requestWait > 0 || tokenWait > 0) {
        const limit = requestWait >= tokenWait ? "requests" : "tokens";
        return { allowed: false, limit, retryAfterMs: Math.max(requestWait, tokenWait), remaining };
      }
    }
    admitted.push({ at: now, tokens });
    this.windows.set(key, admitted);
    return {
      allowed: true,
      remaining: {
        requests: Math.max(0, remaining.requests - 1),
        tokens: Math.max(0, remaining.tokens - tokens),
      },
    };
  }

  /** The requests admitted in the last minute, oldest first; forgets keys gone idle. */
  private current(key: string, now: number): Admitted[] {
    const admitted = this.windows.get(key) ?? [];
    const firstLive = admitted.findIndex((entry) => entry.at > now - WINDOW_MS);
    if (firstLive === -1) {
      this.windows.delete(key);
      return [];
    }
    return admitted.slice(firstLive);
  }
}

/** Milliseconds until one more request fits under the request limit; 0 if it fits now. */
function waitForRequests(admitted: Admitted[], limit: number, now: number): number {
  const excess = admitted.length + 1 - limit;
  if (excess <= 0) return 0;
  // The window frees a slot when the request `excess` places from the oldest leaves it.
  const freeing = admitted[Math.min(excess, admitted.length) - 1]!;
  return freeing.at + WINDOW_MS - now;
}

/** Milliseconds until `tokens` more fit under the token limit; 0 if they fit now. */
function waitForTokens(
  admitted: Admitted[],
  used: number,
  limit: number,
  tokens: number,
  now: number,
): number {
  if (used + tokens <= limit) return 0;
  let stillUsed = used;
  for (const entry of admitted) {
    stillUsed -= entry.tokens;
    if (stillUsed + tokens <= limit) return entry.at + WINDOW_MS - now;
  }
  // Only an empty window admits it (see `take`): wait for the newest request to leave.
  return admitted[admitted.length - 1]!.at + WINDOW_MS - now;
}
