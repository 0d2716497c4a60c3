import type { DeploymentView } from "../../model.js";
import { embeddingBase64, embeddingVector } from "./embedding-vector.js";
import { invalidRequest, jsonTypeOf, optionalInteger } from "./invalid-request.js";
import { countTokens, decodeTokens } from "./token-counter.js";

/** An embeddings request, checked as the service checks it. */
export interface EmbeddingsRequest {
  /** The text each input stands for: token inputs decoded, so they embed like their text. */
  texts: string[];
  promptTokens: number;
  dimensions: number;
  format: "float" | "base64";
}

// The service's limits: inputs per request, and tokens per input.
const MAX_INPUTS = 2048;
const MAX_INPUT_TOKENS = 8192;

/** text-embedding-3-large has 3072 dimensions; text-embedding-3-small and ada-002 have 1536. */
export function nativeDimensions(modelName: string): number {
  return modelName.startsWith("text-embedding-3-large") ? 3072 : 1536;
}

export function readEmbeddingsRequest(
  body: Record<string, unknown>,
  deployment: DeploymentView,
): EmbeddingsRequest {
  const inputs = readInputs(body.input);
  const tokenCounts = inputs.map((input) =>
    typeof input === "string" ? countTokens(input) : input.length,
  );
  for (const tokens of tokenCounts) {
    if (tokens > MAX_INPUT_TOKENS) {
      throw invalidRequest(
        `This model's maximum context length is ${MAX_INPUT_TOKENS} tokens, however you requested ${tokens} tokens (${tokens} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
      );
    }
  }
  return {
    texts: inputs.map((input) => (typeof input === "string" ? input : textOfTokens(input))),
    promptTokens: tokenCounts.reduce((sum, tokens) => sum + tokens, 0),
    dimensions: readDimensions(body, deployment.modelName),
    format: readFormat(body.encoding_format),
  };
}

/** The reply body: one unit vector per input, in input order. */
export function embeddingsBody(request: EmbeddingsRequest, model: string): object {
  return {
    object: "list",
    data: request.texts.map((text, index) => {
      const vector = embeddingVector(text, request.dimensions);
      return {
        object: "embedding",
        index,
        embedding: request.format === "base64" ? embeddingBase64(vector) : Array.from(vector),
      };
    }),
    model,
    usage: { prompt_tokens: request.promptTokens, total_tokens: request.promptTokens },
  };
}

/** `input`: a string, strings, a token array or token arrays, none of them empty. */
function readInputs(input: unknown): (string | number[])[] {
  if (input === undefined || input === null) {
    throw invalidRequest("Missing required parameter: 'input'.");
  }
  const isText = (value: unknown): value is string => typeof value === "string" && value !== "";
  const isTokens = (value: unknown): value is number[] =>
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((token) => Number.isInteger(token) && token >= 0);
  let inputs: (string | number[])[] | undefined;
  if (isText(input)) inputs = [input];
  else if (isTokens(input)) inputs = [input];
  else if (Array.isArray(input) && input.length > 0) {
    if (input.every(isText) || input.every(isTokens)) inputs = input;
  }
  if (!inputs) {
    throw invalidRequest(
      `'$.input' is invalid: expected a non-empty string, array of strings, array of integers, or array of integer arrays, but got ${describe(input)}. Please check the API reference: https://platform.openai.com/docs/api-reference.`,
    );
  }
  if (inputs.length > MAX_INPUTS) {
    throw invalidRequest(`Too many inputs. The max number of inputs is ${MAX_INPUTS}.`);
  }
  return inputs;
}

function readDimensions(body: Record<string, unknown>, modelName: string): number {
  const native = nativeDimensions(modelName);
  if (body.dimensions === undefined || body.dimensions === null) return native;
  // Only the text-embedding-3 models can shorten their vectors.
  if (modelName.startsWith("text-embedding-ada")) {
    throw invalidRequest("This model does not support specifying dimensions.");
  }
  return optionalInteger(body, "dimensions", 1, native)!;
}

function readFormat(format: unknown): EmbeddingsRequest["format"] {
  if (format === undefined || format === null || format === "float") return "float";
  if (format === "base64") return "base64";
  throw invalidRequest(
    `Invalid value: '${String(format)}'. Supported values are: 'float' and 'base64'.`,
  );
}

function describe(value: unknown): string {
  if (value === "") return "an empty string";
  if (Array.isArray(value) && value.length === 0) return "an empty array";
  return jsonTypeOf(value);
}

/** Token inputs embed like the text they encode; ids outside the vocabulary embed as ids. */
function textOfTokens(tokens: number[]): string {
  try {
    return decodeTokens(tokens);
  } catch {
    return `tokens:${tokens.join(",")}`;
  }
}
