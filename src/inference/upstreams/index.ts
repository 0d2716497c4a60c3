import type { TokenCredential } from "@azure/identity";
import type { Clock } from "../../kernel/index.js";
import { createAzureOpenAIUpstream } from "./azure-openai.js";
import { createOpenAICompatibleUpstream } from "./openai-compatible.js";
import { createSimulatedUpstream } from "./simulated.js";
import type { UpstreamKind } from "./upstream.js";

export type { UpstreamCall, UpstreamKind, UpstreamReply } from "./upstream.js";
export { UpstreamError } from "./upstream.js";
export { upstreamKeyContext } from "./openai-compatible.js";

/** The upstream kinds by `properties.upstream.kind`. */
export type UpstreamRegistry = ReadonlyMap<string, UpstreamKind>;

export interface UpstreamOptions {
  clock: Clock;
  simulatedLatencyMsPerToken: number;
  /** Headers timeout and longest mid-stream silence of HTTP upstreams. */
  timeoutMs: number;
  /** Opens a deployment's sealed upstream API key. */
  openSecret: (sealed: string, context: string) => string;
  /** Keyless's own identity for `azure-openai` upstreams; called on first use only. */
  credential: () => TokenCredential;
}

/** Every upstream kind: adding one is one file and one line here. */
export function createUpstreams(options: UpstreamOptions): UpstreamRegistry {
  const timeouts = { headersTimeoutMs: options.timeoutMs, bodyTimeoutMs: options.timeoutMs };
  const kinds: UpstreamKind[] = [
    createSimulatedUpstream({
      clock: options.clock,
      latencyMsPerToken: options.simulatedLatencyMsPerToken,
    }),
    createOpenAICompatibleUpstream({ ...timeouts, openSecret: options.openSecret }),
    createAzureOpenAIUpstream({ ...timeouts, credential: options.credential }),
  ];
  return new Map(kinds.map((kind) => [kind.kind, kind]));
}

/** Releases every kind's connections and timers. */
export async function closeUpstreams(registry: UpstreamRegistry): Promise<void> {
  await Promise.all([...registry.values()].map((kind) => kind.close?.()));
}
