import { randomUUID } from "node:crypto";

/**
 * A failed OAuth request in Entra's terms: the `error` code, the AADSTS number and its text.
 * Rendered by `renderOAuthError` in Entra's body shape; the AADSTS numbers are API contract.
 */
export class OAuthError extends Error {
  override name = "OAuthError";
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    readonly description: string,
    /** Seconds the client should wait (throttling). */
    readonly retryAfter?: number,
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }
}

export interface OAuthErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

export function renderOAuthError(
  error: OAuthError,
  correlationId: string | undefined,
  now: Date,
): OAuthErrorBody {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  // Entra's timestamp has no milliseconds: "2026-11-23 05:31:02Z".
  const timestamp = now
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return {
    error: error.error,
    error_description: `AADSTS${error.aadsts}: ${error.description} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [error.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${error.aadsts}`,
  };
}
