import { setTimeout as delay } from "node:timers/promises";
import { type Clock, systemClock } from "../../kernel/index.js";
import type { DeploymentView, Operation, Usage } from "../model.js";
import {
  type CompletionFormat,
  type GeneratedChoice,
  chatFormat,
  replyMeta,
  textFormat,
} from "./simulated/completion-formats.js";
import { type Sleep, completionStream } from "./simulated/completion-stream.js";
import { chargeDeploymentQuota } from "./simulated/deployment-quota.js";
import {
  type GenerationRequest,
  readChatRequest,
  readCompletionsRequest,
} from "./simulated/generation-request.js";
import { invalidRequest } from "./simulated/invalid-request.js";
import { RateLimiter } from "./simulated/rate-limiter.js";
import { embeddingsBody, readEmbeddingsRequest } from "./simulated/simulated-embeddings.js";
import { simulatedCompletion } from "./simulated/simulated-text.js";
import { countTokens, loadTokenizer } from "./simulated/token-counter.js";
import {
  type UpstreamCall,
  type UpstreamKind,
  type UpstreamReply,
  UpstreamError,
} from "./upstream.js";

export interface SimulatedUpstreamOptions {
  /** Drives the rate-limit windows and the replies' `created`. */
  clock?: Clock;
  /** Milliseconds each generated token takes; a deployment's `upstream.latencyMsPerToken` wins. */
  latencyMsPerToken?: number;
  /** How replies wait out their latency; tests pass one that records the waits instead. */
  sleep?: Sleep;
}

// A reply without `max_tokens` is charged this many tokens per choice when it is admitted:
// about the longest reply the simulated upstream writes unbidden.
const DEFAULT_COMPLETION_ESTIMATE = 64;

const realSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

/**
 * The embedded model: answers chat completions, completions and embeddings itself, with
 * deterministic text and vectors, real token counts, and the rate limits of an Azure Standard
 * deployment of the same capacity. It needs no network and no model weights, so every Keyless
 * works out of the box and tests can assert on exact replies.
 *
 * Reads `upstream.latencyMsPerToken` (a number ≥ 0) from the deployment's configuration.
 */
export function createSimulatedUpstream(options: SimulatedUpstreamOptions = {}): UpstreamKind {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const limiter = new RateLimiter(clock);

  const latency = (deployment: DeploymentView): number => {
    const configured = deployment.upstream.latencyMsPerToken;
    if (typeof configured === "number" && Number.isFinite(configured) && configured >= 0) {
      return configured;
    }
    return options.latencyMsPerToken ?? 0;
  };

  async function generate(
    format: CompletionFormat,
    request: GenerationRequest,
    call: UpstreamCall,
  ): Promise<UpstreamReply> {
    const { deployment } = call;
    const signal = call.signal.asAbortSignal();
    const choiceCount = request.prompts.length * request.n;
    const estimate =
      request.promptTokens + (request.maxTokens ?? DEFAULT_COMPLETION_ESTIMATE) * choiceCount;
    const quotaHeaders = chargeDeploymentQuota(limiter, deployment, call.operation, estimate);
    const choices = writeChoices(deployment, request);
    const usage: Usage = {
      promptTokens: request.promptTokens,
      completionTokens: choices.reduce((sum, choice) => sum + countTokens(choice.text), 0),
    };
    const meta = replyMeta(format, deployment, clock.now());
    const pace = { msPerToken: latency(deployment), sleep, signal };
    if (call.stream) {
      const stream = completionStream(format, meta, choices, usage, pace);
      return {
        kind: "stream",
        status: 200,
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache",
          ...quotaHeaders,
        },
        chunks: stream.chunks,
        usage: stream.usage,
      };
    }
    // The whole reply waits as long as streaming it would have taken.
    if (pace.msPerToken > 0) await sleep(pace.msPerToken * usage.completionTokens, signal);
    return {
      kind: "json",
      status: 200,
      headers: { "content-type": "application/json", ...quotaHeaders },
      body: format.body(meta, choices, usage),
      usage,
    };
  }

  async function embed(call: UpstreamCall): Promise<UpstreamReply> {
    if (call.stream) throw invalidRequest("Unrecognized request argument supplied: stream");
    const request = readEmbeddingsRequest(call.body, call.deployment);
    const quotaHeaders = chargeDeploymentQuota(
      limiter,
      call.deployment,
      call.operation,
      request.promptTokens,
    );
    // No latency: embeddings are one forward pass, not generated token by token.
    return {
      kind: "json",
      status: 200,
      headers: { "content-type": "application/json", ...quotaHeaders },
      body: embeddingsBody(request, call.deployment.modelName),
      usage: { promptTokens: request.promptTokens, completionTokens: 0 },
    };
  }

  const operations: Record<Operation, (call: UpstreamCall) => Promise<UpstreamReply>> = {
    "chat/completions": (call) => generate(chatFormat, readChatRequest(call.body), call),
    completions: (call) => generate(textFormat, readCompletionsRequest(call.body), call),
    embeddings: embed,
  };

  return {
    kind: "simulated",
    async call(call) {
      // A caller already gone is refused with the AbortError an AbortSignal throws.
      if (call.signal.aborted) call.signal.asAbortSignal().throwIfAborted();
      checkModelCanDo(call.operation, call.deployment);
      await loadTokenizer();
      return operations[call.operation](call);
    },
  };
}

/** What Azure names each operation in its OperationNotSupported message. */
const OPERATION_NAMES: Record<Operation, string> = {
  "chat/completions": "chatCompletion",
  completions: "completion",
  embeddings: "embeddings",
};

/**
 * An embeddings model only embeds and a chat model never does, as on Azure: the simulated
 * models are known by name (an external upstream knows its own models and answers for itself).
 */
function checkModelCanDo(operation: Operation, deployment: DeploymentView): void {
  const embeddingModel = /embed/i.test(deployment.modelName);
  if (embeddingModel === (operation === "embeddings")) return;
  throw new UpstreamError(
    400,
    "OperationNotSupported",
    `The ${OPERATION_NAMES[operation]} operation does not work with the specified model, ${deployment.modelName}. Please choose different model and try again. You can learn more about which models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993.`,
  );
}

/**
 * `n` replies per prompt, numbered prompt by prompt as the service numbers them. Each is seeded
 * by the deployment, the prompt and its place, so the same request always gets the same replies
 * and the `n` replies to one prompt differ.
 */
function writeChoices(deployment: DeploymentView, request: GenerationRequest): GeneratedChoice[] {
  return request.prompts.flatMap((prompt, promptIndex) =>
    Array.from({ length: request.n }, (_, place) => {
      const seed = `${deployment.id}\u0000${prompt.seedText}\u0000${place}`;
      const reply = simulatedCompletion(seed, prompt.topicText, request.maxTokens);
      return { index: promptIndex * request.n + place, ...reply };
    }),
  );
}
