import type { DeploymentView, Operation } from "../../model.js";
import type { RateLimiter, Remaining } from "./rate-limiter.js";
import { type ReplyHeaders, UpstreamError } from "../upstream.js";

/** The operation names Azure OpenAI's rate-limit messages use. */
const OPERATION_NAMES: Record<Operation, string> = {
  "chat/completions": "ChatCompletions_Create",
  completions: "Completions_Create",
  embeddings: "Embeddings_Create",
};

// A Standard deployment's capacity is counted in units of 1,000 tokens per minute, and each
// unit also allows 6 requests per minute.
const TOKENS_PER_UNIT = 1000;
const REQUESTS_PER_UNIT = 6;

/**
 * Charges a request's estimated tokens to its deployment's quota. Admitted: the remaining-quota
 * headers the reply carries. Refused: a 429 in Azure's words, with the headers Azure sends and
 * the OpenAI SDK reads (`retry-after-ms` first, then `retry-after`).
 */
export function chargeDeploymentQuota(
  limiter: RateLimiter,
  deployment: DeploymentView,
  operation: Operation,
  estimatedTokens: number,
): ReplyHeaders {
  const decision = limiter.take(
    deployment.id,
    {
      tokensPerMinute: deployment.capacity * TOKENS_PER_UNIT,
      requestsPerMinute: deployment.capacity * REQUESTS_PER_UNIT,
    },
    estimatedTokens,
  );
  if (decision.allowed) return remainingHeaders(decision.remaining);
  const ms = Math.max(1, Math.ceil(decision.retryAfterMs));
  const seconds = Math.ceil(ms / 1000);
  const which = decision.limit === "requests" ? "call rate limit" : "token rate limit";
  throw new UpstreamError(
    429,
    "429",
    `Requests to the ${OPERATION_NAMES[operation]} Operation under Azure OpenAI API have exceeded ${which} of your current OpenAI S0 pricing tier. Please retry after ${seconds} ${seconds === 1 ? "second" : "seconds"}. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`,
    {
      "retry-after": String(seconds),
      "retry-after-ms": String(ms),
      ...remainingHeaders(decision.remaining),
    },
  );
}

function remainingHeaders(remaining: Remaining): ReplyHeaders {
  return {
    "x-ratelimit-remaining-requests": String(remaining.requests),
    "x-ratelimit-remaining-tokens": String(remaining.tokens),
  };
}
