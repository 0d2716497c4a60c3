import type { Usage } from "../../model.js";
import type { CompletionFormat, GeneratedChoice, ReplyMeta } from "./completion-formats.js";
import { randomInt, seededRandom } from "./seeded-random.js";
import { tokenPieces } from "./token-counter.js";

/** Waits `ms`, or rejects as soon as `signal` aborts (clearing its timer). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface Pace {
  msPerToken: number;
  sleep: Sleep;
  signal: AbortSignal;
}

export interface CompletionStream {
  chunks: AsyncIterable<string>;
  /** Tokens sent so far; the exact totals once `chunks` has ended. */
  usage(): Usage;
}

// Deltas carry one to four tokens, as the service's do, so clients see partial words too.
const MIN_BATCH = 1;
const MAX_BATCH = 4;

/**
 * A reply as server-sent events, in the order the service sends them: per choice an opening
 * delta (chat), content deltas paced at `msPerToken` per token, a delta with `finish_reason`;
 * then one chunk with `usage` and no choices (sent even when the caller did not ask for it
 * with `stream_options`, so the gateway can always count), then `[DONE]`.
 */
export function completionStream(
  format: CompletionFormat,
  meta: ReplyMeta,
  choices: GeneratedChoice[],
  final: Usage,
  pace: Pace,
): CompletionStream {
  let sentTokens = 0;
  let ended = false;
  const event = (choiceEntries: object[], usage?: Usage) =>
    `data: ${JSON.stringify(format.chunk(meta, choiceEntries, usage))}\n\n`;

  // Ends quietly once the caller has gone, as the HTTP upstreams' relays do: nobody reads on.
  async function* chunks(): AsyncGenerator<string> {
    for (const choice of choices) {
      if (pace.signal.aborted) return;
      if (format.opening) yield event([format.opening(choice.index)]);
      const pieces = tokenPieces(choice.text);
      const random = seededRandom(choice.text);
      for (let at = 0; at < pieces.length;) {
        const batch = pieces.slice(at, at + randomInt(random, MIN_BATCH, MAX_BATCH));
        at += batch.length;
        if (!(await paced(batch.length))) return;
        sentTokens += batch.length;
        yield event([format.delta(choice.index, batch.join(""))]);
      }
      yield event([format.finish(choice.index, choice.finishReason)]);
    }
    if (pace.signal.aborted) return;
    ended = true;
    yield event([], final);
    yield "data: [DONE]\n\n";
  }

  /** Waits out `tokens` tokens' latency; false once the caller has gone. */
  async function paced(tokens: number): Promise<boolean> {
    try {
      if (pace.msPerToken > 0) await pace.sleep(pace.msPerToken * tokens, pace.signal);
    } catch (error) {
      if (pace.signal.aborted) return false;
      throw error;
    }
    return !pace.signal.aborted;
  }

  return {
    chunks: chunks(),
    usage: () =>
      ended ? final : { promptTokens: final.promptTokens, completionTokens: sentTokens },
  };
}
