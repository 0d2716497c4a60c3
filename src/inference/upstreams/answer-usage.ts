import type { Usage } from "../model.js";

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** The key a usage object follows, as bytes: found in a body without decoding it. */
export const USAGE_KEY = Buffer.from('"usage"');

/** `usage` of an OpenAI-shaped reply or stream event (embeddings count prompt tokens only). */
export function usageOf(body: unknown): Usage | undefined {
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } })
    ?.usage;
  if (typeof usage?.prompt_tokens !== "number") return undefined;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0,
  };
}

/**
 * Where the object a `"usage"` key at `keyAt` holds begins (its `{`, past `:` and whitespace),
 * or -1 when no object follows (`"usage":null`, or no `:` and so no key).
 */
export function usageObjectStart(bytes: Buffer, keyAt: number): number {
  let i = keyAt + USAGE_KEY.length;
  while (i < bytes.length && isWhitespace(bytes[i]!)) i++;
  if (bytes[i] !== COLON) return -1;
  i++;
  while (i < bytes.length && isWhitespace(bytes[i]!)) i++;
  return bytes[i] === OPEN_BRACE ? i : -1;
}

/**
 * The usage of a whole OpenAI-style answer, read from its bytes without parsing the rest: a
 * gateway relays the answer unchanged and needs only its token counts, and parsing every answer
 * whole was the request thread's largest JSON cost (bench/gateway/README.md). The last
 * `"usage":{…}` in the body is cut out by matching its braces and parsed alone. In valid JSON an
 * unescaped `"usage"` followed by `:` can only be a key: inside a string its opening quote
 * would be escaped. A body whose usage cannot be read this way has none.
 */
export function usageInAnswer(bytes: Buffer): Usage | undefined {
  for (let at = bytes.lastIndexOf(USAGE_KEY); at !== -1; at = previous(bytes, at)) {
    if (escaped(bytes, at)) continue;
    const open = usageObjectStart(bytes, at);
    if (open === -1) continue;
    const close = objectEnd(bytes, open);
    if (close === -1) return undefined;
    try {
      return usageOf({ usage: JSON.parse(bytes.toString("utf8", open, close + 1)) as unknown });
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Whether the bytes are framed as a JSON object or array (`{…}` or `[…]`, whitespace around). A
 * relayed answer is not parsed whole: this tells an OpenAI-style answer from an HTML error page or
 * plain text that a misconfigured upstream sent with a 2xx.
 */
export function framedAsJson(bytes: Buffer): boolean {
  let first = 0;
  while (first < bytes.length && isWhitespace(bytes[first]!)) first++;
  let last = bytes.length - 1;
  while (last > first && isWhitespace(bytes[last]!)) last--;
  if (last <= first) return false;
  return (
    (bytes[first] === OPEN_BRACE && bytes[last] === CLOSE_BRACE) ||
    (bytes[first] === OPEN_BRACKET && bytes[last] === CLOSE_BRACKET)
  );
}

const previous = (bytes: Buffer, at: number) =>
  at === 0 ? -1 : bytes.lastIndexOf(USAGE_KEY, at - 1);

/** An odd run of backslashes before `at` escapes the quote there. */
function escaped(bytes: Buffer, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && bytes[i] === BACKSLASH; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** The index of the `}` closing the object opened at `open`, strings skipped; -1 if none. */
function objectEnd(bytes: Buffer, open: number): number {
  let depth = 0;
  for (let i = open; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      for (i++; i < bytes.length && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
    } else if (byte === OPEN_BRACE) depth++;
    else if (byte === CLOSE_BRACE && --depth === 0) return i;
  }
  return -1;
}

const isWhitespace = (byte: number) =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
