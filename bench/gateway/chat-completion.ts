/**
 * What the benchmark sends and what its upstream answers: one small chat request, one fixed
 * chat completion, and the same completion as an SSE stream of chunks. The upstream serves
 * these; the checks compare what came back through each proxy with them. Nothing from src/.
 */

/** The request body every contestant gets (wrk and the streaming client alike). */
export const CHAT_REQUEST = {
  messages: [
    { role: "system", content: "You are a terse assistant." },
    { role: "user", content: "Say hello to the benchmark." },
  ],
  max_tokens: 16,
  temperature: 0,
};

export const REPLY_TEXT = "Hello from the benchmark upstream.";
const USAGE = { prompt_tokens: 21, completion_tokens: 7, total_tokens: 28 };
const ID = "chatcmpl-bench0000000000000000000000";
const CREATED = 1_795_000_000;
const MODEL = "bench-model";

/** The upstream's answer to a request without `"stream": true`. */
export const CHAT_COMPLETION = JSON.stringify({
  id: ID,
  object: "chat.completion",
  created: CREATED,
  model: MODEL,
  system_fingerprint: "fp_bench",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: REPLY_TEXT, refusal: null },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: USAGE,
});

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({
    id: ID,
    object: "chat.completion.chunk",
    created: CREATED,
    model: MODEL,
    system_fingerprint: "fp_bench",
    choices,
    ...extra,
  })}\n\n`;
const delta = (content: Record<string, unknown>, finishReason: string | null = null) =>
  chunk([{ index: 0, delta: content, logprobs: null, finish_reason: finishReason }]);

/**
 * The SSE events of a streamed answer, as OpenAI sends them with `stream_options.include_usage`:
 * the role, the text in three pieces, the finish reason, the usage, then `[DONE]`.
 */
export const CHAT_STREAM_EVENTS: readonly string[] = [
  delta({ role: "assistant", content: "" }),
  delta({ content: "Hello from" }),
  delta({ content: " the benchmark" }),
  delta({ content: " upstream." }),
  delta({}, "stop"),
  chunk([], { usage: USAGE }),
  "data: [DONE]\n\n",
];

/**
 * Checks a JSON answer against the fixed completion: the same choices and usage (a gateway may
 * rewrite `model` and add fields, not change the answer). Returns what is wrong, or undefined.
 */
export function completionProblem(text: string): string | undefined {
  let reply: { object?: unknown; choices?: { message?: { content?: unknown } }[]; usage?: unknown };
  try {
    reply = JSON.parse(text) as typeof reply;
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  if (reply.object !== "chat.completion") return `object is ${String(reply.object)}`;
  if (reply.choices?.[0]?.message?.content !== REPLY_TEXT)
    return `content is ${JSON.stringify(reply.choices?.[0]?.message?.content)}`;
  if (JSON.stringify(reply.usage) !== JSON.stringify(USAGE))
    return `usage is ${JSON.stringify(reply.usage)}`;
  return undefined;
}

/**
 * Checks a streamed answer: every event a JSON chunk or `[DONE]` last, the pieces adding up to
 * the reply text, and the usage chunk present. Returns what is wrong, or undefined.
 */
export function streamProblem(text: string): string | undefined {
  const events = text
    .split("\n\n")
    .map((event) => event.trim())
    .filter(Boolean);
  if (events.at(-1) !== "data: [DONE]") return `does not end with [DONE]: …${text.slice(-120)}`;
  let content = "";
  let usage: unknown;
  for (const event of events.slice(0, -1)) {
    if (!event.startsWith("data: ")) return `not a data event: ${event.slice(0, 120)}`;
    const parsed = JSON.parse(event.slice(6)) as {
      choices: { delta?: { content?: string } }[];
      usage?: unknown;
    };
    content += parsed.choices[0]?.delta?.content ?? "";
    usage ??= parsed.usage;
  }
  if (content !== REPLY_TEXT) return `streamed content is ${JSON.stringify(content)}`;
  if (JSON.stringify(usage) !== JSON.stringify(USAGE)) return `usage is ${JSON.stringify(usage)}`;
  return undefined;
}
