import type { CallerSignal } from "../caller-signal.js";
import { DataPlaneError } from "../errors.js";
import type { DeploymentView, Operation, Usage } from "../model.js";

/** One call to a deployment's upstream, after authentication and authorization. */
export interface UpstreamCall {
  operation: Operation;
  deployment: DeploymentView;
  /**
   * The caller's JSON body, parsed for this request alone. `model` is already set to the
   * deployment's name (the path wins over what the caller sent); adapters set it to what their
   * server expects, in place: nothing reads the body after the call.
   */
  body: Record<string, unknown>;
  /** `body.stream === true`: the reply must be a stream. */
  stream: boolean;
  /** Aborted when the caller disconnects: adapters must stop work and release the upstream. */
  signal: CallerSignal;
  requestId: string;
}

/** Headers an upstream reply carries to the caller (rate-limit headers, content type, …). */
export type ReplyHeaders = Record<string, string>;

export type UpstreamReply =
  | {
      kind: "json";
      status: number;
      headers: ReplyHeaders;
      /** The answer Keyless made itself (the simulated upstream). */
      body?: unknown;
      /**
       * Or the answer exactly as an upstream sent it over the wire: relayed unchanged, and read
       * only for its usage.
       */
      bytes?: Buffer;
      usage?: Usage;
    }
  | {
      kind: "stream";
      status: number;
      headers: ReplyHeaders;
      /**
       * Server-sent-event bytes, in order, each chunk sent on as soon as it arrives (no
       * buffering). Ends after `data: [DONE]`. Throwing `UpstreamError` mid-stream ends the
       * stream with an SSE error event.
       */
      chunks: AsyncIterable<Uint8Array | string>;
      /** The usage seen so far; complete once `chunks` has ended. */
      usage(): Usage | undefined;
    };

/**
 * A failure the caller should see in Azure's error shape: upstream refused (its status and
 * body passed on), unreachable (502), too slow (504), or rate limited (429 + `Retry-After`).
 * A data-plane refusal like any other, named apart so a stream can tell it from a bug.
 */
export class UpstreamError extends DataPlaneError {
  override name = "UpstreamError";
}

/** One kind of upstream (`properties.upstream.kind`); one file each in this folder. */
export interface UpstreamKind {
  readonly kind: string;
  call(call: UpstreamCall): Promise<UpstreamReply>;
  /** Releases connections and timers at shutdown. */
  close?(): Promise<void>;
}
