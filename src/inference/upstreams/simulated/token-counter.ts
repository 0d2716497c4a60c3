/**
 * Token counts as OpenAI bills them, with the o200k_base encoding of the gpt-4o family. Older
 * models use cl100k_base, whose counts differ by a few percent; one encoding keeps the simulated
 * upstream simple and its counts real.
 */

/** One chat message as callers send it: `content` is a string, an array of parts, or null. */
export interface ChatMessage {
  role: string;
  content: string | ContentPart[] | null;
  name?: string;
  /** Assistant tool calls and tool results are billed as their JSON text. */
  extra?: string;
}

export type ContentPart = { type: "text"; text: string } | { type: string };

type Encoding = typeof import("gpt-tokenizer/encoding/o200k_base");

let encoding: Encoding | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the encoding once. It is loaded on first use, not at import, because parsing its ranks
 * takes about a second that a process which never counts tokens should not pay.
 */
export function loadTokenizer(): Promise<void> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then((module) => {
    encoding = module;
  });
  return loading;
}

function loaded(): Encoding {
  // INVARIANT: callers await loadTokenizer() before they count (the simulated upstream does so
  // at the start of every call).
  if (!encoding) throw new Error("Tokens were counted before loadTokenizer() finished.");
  return encoding;
}

// The chat format wraps every message in `<|im_start|>{role}<|im_sep|>…<|im_end|>` and primes
// the reply with `<|im_start|>assistant<|im_sep|>`: 3 tokens each, as OpenAI's cookbook counts.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;
// A non-text part (an image) costs at least gpt-4o's "low detail" price; the real cost depends
// on the image size, which the simulated upstream does not fetch.
const TOKENS_PER_NON_TEXT_PART = 85;

export function encodeText(text: string): number[] {
  // Caller text may spell special tokens (`<|endoftext|>`); they count as plain text, as the
  // real service counts them.
  return loaded().encode(text, { disallowedSpecial: new Set() });
}

export function decodeTokens(tokens: readonly number[]): string {
  return loaded().decode(tokens);
}

/**
 * `text` split at token boundaries, one string per token, for streaming a reply in token-sized
 * deltas. A character spanning two tokens goes with the later one, so no piece holds half a
 * character and the pieces join back to `text`.
 */
export function tokenPieces(text: string): string[] {
  return [...loaded().decodeGenerator(encodeText(text))];
}

export function countTokens(text: string): number {
  return encodeText(text).length;
}

/** The `prompt_tokens` a chat completion reports for these messages. */
export function countChatTokens(messages: readonly ChatMessage[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE + countTokens(message.role);
    if (message.name !== undefined) total += TOKENS_PER_NAME + countTokens(message.name);
    if (message.extra !== undefined) total += countTokens(message.extra);
    if (typeof message.content === "string") total += countTokens(message.content);
    else if (message.content) {
      for (const part of message.content) {
        total += "text" in part ? countTokens(part.text) : TOKENS_PER_NON_TEXT_PART;
      }
    }
  }
  return total;
}
