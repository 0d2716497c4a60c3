/** The simulated upstream on a manual clock, and the calls its unit tests make. */
import { ManualClock } from "../../src/kernel/index.js";
import type { DeploymentView, Operation } from "../../src/inference/index.js";
import {
  createSimulatedUpstream,
  type SimulatedUpstreamOptions,
} from "../../src/inference/upstreams/simulated.js";
import type { UpstreamCall } from "../../src/inference/upstreams/upstream.js";
import { callerSignalOf } from "../../src/inference/caller-signal.js";

/** A simulated upstream whose time moves only when the test moves `clock`. */
export function simulatedOnManualClock(options: SimulatedUpstreamOptions = {}) {
  const clock = new ManualClock();
  return { clock, upstream: createSimulatedUpstream({ clock, ...options }) };
}

/** A call of `operation` on `deployment`, streamed when the body says so. */
export const upstreamCall = (
  deployment: DeploymentView,
  operation: Operation,
  body: Record<string, unknown>,
  changes: Partial<UpstreamCall> = {},
): UpstreamCall => ({
  operation,
  deployment,
  body,
  stream: body.stream === true,
  signal: callerSignalOf(new AbortController().signal),
  requestId: "request-1",
  ...changes,
});
