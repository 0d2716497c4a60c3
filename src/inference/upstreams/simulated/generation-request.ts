import { invalidRequest, jsonTypeOf, optionalInteger } from "./invalid-request.js";
import {
  type ChatMessage,
  type ContentPart,
  countChatTokens,
  countTokens,
  decodeTokens,
} from "./token-counter.js";

/** What a chat or legacy completion request asks the simulated upstream to write. */
export interface GenerationRequest {
  /** One per prompt (a chat has one): the text replies are seeded from, and what they answer. */
  prompts: { seedText: string; topicText: string }[];
  promptTokens: number;
  /** Replies per prompt (`n`). */
  n: number;
  maxTokens?: number;
}

const ROLES = ["system", "assistant", "user", "function", "tool", "developer"];
const MAX_CHOICES = 128;
// Legacy completions stop after 16 tokens unless told otherwise, as the OpenAI API documents.
const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

export function readChatRequest(body: Record<string, unknown>): GenerationRequest {
  const messages = body.messages;
  if (messages === undefined) throw invalidRequest("Missing required parameter: 'messages'.");
  if (!Array.isArray(messages)) {
    throw invalidRequest(
      `Invalid type for 'messages': expected an array of objects, but got ${jsonTypeOf(messages)} instead.`,
    );
  }
  if (messages.length === 0) throw invalidRequest("[] is too short - 'messages'");
  const read = messages.map(readMessage);
  const lastUser = read.findLast((message) => message.role === "user") ?? read[read.length - 1]!;
  return {
    // The seed covers what the caller said and its `seed`; not `max_tokens`, so a shorter limit
    // gives a prefix of the same reply.
    prompts: [{ seedText: JSON.stringify([messages, body.seed]), topicText: textOf(lastUser) }],
    promptTokens: countChatTokens(read),
    n: optionalInteger(body, "n", 1, MAX_CHOICES) ?? 1,
    maxTokens:
      optionalInteger(body, "max_completion_tokens", 1, Number.MAX_SAFE_INTEGER) ??
      optionalInteger(body, "max_tokens", 1, Number.MAX_SAFE_INTEGER),
  };
}

export function readCompletionsRequest(body: Record<string, unknown>): GenerationRequest {
  const prompts = readPrompts(body.prompt);
  return {
    prompts: prompts.map((prompt) => ({
      seedText: JSON.stringify([prompt, body.seed]),
      topicText: typeof prompt === "string" ? prompt : decodeOrEmpty(prompt),
    })),
    promptTokens: prompts.reduce<number>(
      (sum, prompt) => sum + (typeof prompt === "string" ? countTokens(prompt) : prompt.length),
      0,
    ),
    n: optionalInteger(body, "n", 1, MAX_CHOICES) ?? 1,
    maxTokens:
      optionalInteger(body, "max_tokens", 1, Number.MAX_SAFE_INTEGER) ??
      COMPLETIONS_DEFAULT_MAX_TOKENS,
  };
}

function readMessage(value: unknown, index: number): ChatMessage {
  const at = `messages[${index}]`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidRequest(
      `Invalid type for '${at}': expected an object, but got ${jsonTypeOf(value)} instead.`,
    );
  }
  const message = value as Record<string, unknown>;
  const role = message.role;
  if (role === undefined) throw invalidRequest(`Missing required parameter: '${at}.role'.`);
  if (typeof role !== "string" || !ROLES.includes(role)) {
    throw invalidRequest(
      `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
    );
  }
  const name = message.name;
  if (name !== undefined && typeof name !== "string") {
    throw invalidRequest(
      `Invalid type for '${at}.name': expected a string, but got ${jsonTypeOf(name)} instead.`,
    );
  }
  // Tool calls and their results are billed as text; their exact shape is not checked here.
  const calls = message.tool_calls ?? message.function_call;
  return {
    role,
    content: readContent(message.content, role, at),
    ...(name !== undefined && { name }),
    ...(calls !== undefined && { extra: JSON.stringify(calls) }),
  };
}

function readContent(content: unknown, role: string, at: string): ChatMessage["content"] {
  if (typeof content === "string") return content;
  // An assistant turn that only called tools has no content.
  if ((content === undefined || content === null) && role === "assistant") return null;
  if (content === undefined) throw invalidRequest(`Missing required parameter: '${at}.content'.`);
  if (!Array.isArray(content)) {
    throw invalidRequest(
      `Invalid type for '${at}.content': expected one of a string or array of objects, but got ${jsonTypeOf(content)} instead.`,
    );
  }
  return content.map((part: unknown, index): ContentPart => {
    const partAt = `${at}.content[${index}]`;
    if (typeof part !== "object" || part === null || Array.isArray(part)) {
      throw invalidRequest(
        `Invalid type for '${partAt}': expected an object, but got ${jsonTypeOf(part)} instead.`,
      );
    }
    const { type, text } = part as Record<string, unknown>;
    if (typeof type !== "string")
      throw invalidRequest(`Missing required parameter: '${partAt}.type'.`);
    if (type !== "text") return { type };
    if (typeof text !== "string") {
      throw invalidRequest(
        `Invalid type for '${partAt}.text': expected a string, but got ${jsonTypeOf(text)} instead.`,
      );
    }
    return { type, text };
  });
}

function textOf(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content;
  return (message.content ?? []).map((part) => ("text" in part ? part.text : "")).join(" ");
}

/** `prompt`: a string, strings, a token array or token arrays; each becomes one prompt. */
function readPrompts(prompt: unknown): (string | number[])[] {
  if (prompt === undefined) throw invalidRequest("Missing required parameter: 'prompt'.");
  if (typeof prompt === "string") return [prompt];
  const isTokens = (value: unknown): value is number[] =>
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((token) => Number.isInteger(token) && token >= 0);
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((item) => typeof item === "string")) return prompt as string[];
    if (isTokens(prompt)) return [prompt];
    if (prompt.every(isTokens)) return prompt as number[][];
  }
  throw invalidRequest(
    `Invalid type for 'prompt': expected one of a string, an array of strings, an array of integers, or an array of arrays of integers, but got ${jsonTypeOf(prompt)} instead.`,
  );
}

/** A token prompt's text, for choosing a topic; ids outside the vocabulary give none. */
function decodeOrEmpty(tokens: number[]): string {
  try {
    return decodeTokens(tokens);
  } catch {
    return "";
  }
}
