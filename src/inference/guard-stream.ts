import type { CallerSignal } from "./caller-signal.js";
import { UpstreamError } from "./upstreams/upstream.js";

/** How a stream ended: all sent, the caller left, or the upstream failed after the headers. */
export type StreamOutcome = "completed" | "aborted" | "failed";

/**
 * Passes an upstream's SSE chunks through unchanged and guarantees the end is never silent
 * (STYLE rule 12): a failure after the headers went out becomes a final `event: error` whose data
 * is Azure's error object (the `openai` SDK raises it as an APIError). `onEnd` runs exactly once,
 * also when the caller disconnects and the consumer stops pulling; `error` is set only for a
 * failure that is not an `UpstreamError` (a bug to log).
 */
export async function* guardStream(
  chunks: AsyncIterable<string | Uint8Array>,
  signal: Pick<CallerSignal, "aborted">,
  onEnd: (outcome: StreamOutcome, error?: unknown) => void,
): AsyncGenerator<string | Uint8Array> {
  let outcome: StreamOutcome = "aborted";
  let unexpected: unknown;
  try {
    for await (const chunk of chunks) yield chunk;
    // Upstreams end quietly when the caller leaves: that is not a completed stream.
    if (!signal.aborted) outcome = "completed";
  } catch (error) {
    outcome = "failed";
    if (!(error instanceof UpstreamError)) unexpected = error;
    yield errorEvent(error);
  } finally {
    onEnd(outcome, unexpected);
  }
}

function errorEvent(error: unknown): string {
  const body =
    error instanceof UpstreamError
      ? error.toBody()
      : {
          error: {
            code: "InternalServerError",
            message: "The stream ended because of an unexpected error.",
          },
        };
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}
