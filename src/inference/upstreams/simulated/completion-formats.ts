import { createHash, randomBytes } from "node:crypto";
import type { DeploymentView, Usage } from "../../model.js";
import type { FinishReason } from "./simulated-text.js";

/** What every body and chunk of one reply repeats. */
export interface ReplyMeta {
  id: string;
  /** Epoch seconds. */
  created: number;
  model: string;
  systemFingerprint: string;
}

export interface GeneratedChoice {
  index: number;
  text: string;
  finishReason: FinishReason;
}

/**
 * The wire shapes of one generation operation, as the OpenAI and Azure OpenAI services send them
 * and the official SDKs parse them: the whole reply, and the `choices[]` entries of its stream.
 */
export interface CompletionFormat {
  idPrefix: string;
  body(meta: ReplyMeta, choices: GeneratedChoice[], usage: Usage): object;
  /** A stream chunk around `choices`; an empty `choices` with `usage` is the last one. */
  chunk(meta: ReplyMeta, choices: object[], usage?: Usage): object;
  /** The choice entry a choice's stream opens with, if the format has one. */
  opening?(index: number): object;
  delta(index: number, text: string): object;
  finish(index: number, reason: FinishReason): object;
}

export const chatFormat: CompletionFormat = {
  idPrefix: "chatcmpl-",
  body: (meta, choices, usage) => ({
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: choices.map((choice) => ({
      index: choice.index,
      message: { role: "assistant", content: choice.text, refusal: null },
      logprobs: null,
      finish_reason: choice.finishReason,
    })),
    usage: chatUsageJson(usage),
  }),
  chunk: (meta, choices, usage) => ({
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices,
    ...(usage && { usage: chatUsageJson(usage) }),
  }),
  opening: (index) => chatChoice(index, { role: "assistant", content: "", refusal: null }, null),
  delta: (index, text) => chatChoice(index, { content: text }, null),
  finish: (index, reason) => chatChoice(index, {}, reason),
};

export const textFormat: CompletionFormat = {
  idPrefix: "cmpl-",
  body: (meta, choices, usage) => ({
    id: meta.id,
    object: "text_completion",
    created: meta.created,
    model: meta.model,
    choices: choices.map((choice) => textChoice(choice.index, choice.text, choice.finishReason)),
    usage: usageJson(usage),
  }),
  chunk: (meta, choices, usage) => ({
    id: meta.id,
    object: "text_completion",
    created: meta.created,
    model: meta.model,
    choices,
    ...(usage && { usage: usageJson(usage) }),
  }),
  delta: (index, text) => textChoice(index, text, null),
  finish: (index, reason) => textChoice(index, "", reason),
};

export function replyMeta(
  format: CompletionFormat,
  deployment: DeploymentView,
  nowMs: number,
): ReplyMeta {
  return {
    id: format.idPrefix + randomAlphanumeric(29),
    created: Math.floor(nowMs / 1000),
    model: replyModel(deployment),
    systemFingerprint: `fp_${createHash("sha256").update(replyModel(deployment)).digest("hex").slice(0, 10)}`,
  };
}

/**
 * The `model` a reply names. Azure OpenAI reports the model with its dated version
 * ("gpt-4o-2024-08-06"); versions that are not dates (gpt-35-turbo's "0613", embeddings' "2")
 * are left off, as Azure leaves them off.
 */
export function replyModel(deployment: DeploymentView): string {
  const version = deployment.modelVersion;
  return version && /^\d{4}-\d{2}-\d{2}$/.test(version)
    ? `${deployment.modelName}-${version}`
    : deployment.modelName;
}

function usageJson(usage: Usage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

function chatUsageJson(usage: Usage) {
  return {
    ...usageJson(usage),
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function chatChoice(index: number, delta: object, finishReason: FinishReason | null) {
  return { index, delta, logprobs: null, finish_reason: finishReason };
}

function textChoice(index: number, text: string, finishReason: FinishReason | null) {
  return { text, index, logprobs: null, finish_reason: finishReason };
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** The random tail of a reply id: unique per reply, like the service's, not derived from input. */
function randomAlphanumeric(length: number): string {
  return Array.from(randomBytes(length), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join(
    "",
  );
}
