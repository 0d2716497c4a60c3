import { Agent, type Dispatcher } from "undici";
import type { IncomingHttpHeaders } from "node:http";
import type { CallerSignal } from "../caller-signal.js";
import { framedAsJson, usageInAnswer } from "./answer-usage.js";
import { SseUsageWatcher } from "./sse-usage-watcher.js";
import { UpstreamError, type ReplyHeaders, type UpstreamReply } from "./upstream.js";
import { BrokenAnswer, exchangeWhole, type WholeAnswer } from "./whole-answer.js";

export interface ForwarderTimeouts {
  /** Opening a connection (TCP and TLS); slower: 504. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * From sending a request to the reply's headers; slower: 504. A completion that is not
   * streamed arrives whole, so this bounds the longest generation. Default 300 s.
   */
  headersTimeoutMs?: number;
  /** The longest silence inside a reply's body (between two chunks of a stream). Default 300 s. */
  bodyTimeoutMs?: number;
}

/** One request to forward, already addressed and authenticated by an upstream kind. */
export interface ForwardRequest {
  /** `scheme://host:port`. */
  origin: string;
  /** Path and query. */
  path: string;
  /** The upstream as messages name it: its `host:port`. */
  upstream: string;
  /** What authenticated the request, for the message when the upstream refuses it (401/403). */
  credential: string;
  /** Called on a 401 (the credential itself refused), so a cached token is not sent again. */
  onCredentialRefused?: () => void;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
  signal: CallerSignal;
}

type Phase = "connect" | "body";

const DEFAULTS: Required<ForwarderTimeouts> = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 300_000,
  bodyTimeoutMs: 300_000,
};
/** How much of a refusal's body is read for its message. */
const ERROR_BODY_LIMIT = 64 * 1024;
const MESSAGE_LIMIT = 500;
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

/**
 * Sends data-plane requests upstream over kept-alive connections (undici keeps a pool per
 * origin) and turns what comes back into an `UpstreamReply`: JSON parsed, streams relayed
 * chunk by chunk as they arrive, failures as `UpstreamError`s in the caller's terms.
 */
export class HttpForwarder {
  private readonly pools: Agent;
  private readonly timeouts: Required<ForwarderTimeouts>;

  constructor(timeouts: ForwarderTimeouts = {}) {
    this.timeouts = { ...DEFAULTS, ...definedOnly(timeouts) };
    this.pools = new Agent({
      connect: { timeout: this.timeouts.connectTimeoutMs },
      headersTimeout: this.timeouts.headersTimeoutMs,
      bodyTimeout: this.timeouts.bodyTimeoutMs,
    });
  }

  /**
   * Resolves when a stream's headers arrive, or when a whole answer has. When `request.signal`
   * aborts first, rejects with the abort error as it is: the caller is gone and nobody reads an
   * `UpstreamError`.
   */
  forward(request: ForwardRequest): Promise<UpstreamReply> {
    // Not async itself: each call would pay for a promise of its own around the one it returns.
    return request.stream ? this.forwardStream(request) : this.forwardWhole(request);
  }

  close(): Promise<void> {
    return this.pools.close();
  }

  /** A streamed answer: relayed chunk by chunk as each arrives. */
  private async forwardStream(request: ForwardRequest): Promise<UpstreamReply> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pools.request({
        origin: request.origin,
        path: request.path,
        method: "POST",
        headers: request.headers,
        body: request.body,
        signal: request.signal.asAbortSignal(),
      });
    } catch (error) {
      throw request.signal.aborted ? error : this.failure(error, request.upstream, "connect");
    }
    const { statusCode, headers, body } = response;
    if (statusCode < 200 || statusCode > 299) {
      throw refusal(statusCode, headers, await readCapped(body, ERROR_BODY_LIMIT), request);
    }
    return this.streamReply(response, request);
  }

  /** An answer read whole: relayed as the bytes the upstream sent, read only for its usage. */
  private async forwardWhole(request: ForwardRequest): Promise<UpstreamReply> {
    let answer: WholeAnswer;
    try {
      answer = await exchangeWhole(
        this.pools,
        {
          origin: request.origin,
          path: request.path,
          method: "POST",
          headers: request.headers,
          body: request.body,
        },
        request.signal,
        ERROR_BODY_LIMIT,
      );
    } catch (error) {
      if (request.signal.aborted) throw error;
      if (error instanceof BrokenAnswer) throw this.failure(error.cause, request.upstream, "body");
      throw this.failure(error, request.upstream, "connect");
    }
    const { statusCode, headers, body } = answer;
    if (statusCode < 200 || statusCode > 299) {
      throw refusal(statusCode, headers, body.toString("utf8", 0, ERROR_BODY_LIMIT), request);
    }
    if (!framedAsJson(body)) {
      throw new UpstreamError(
        502,
        "BadGateway",
        `The upstream ${request.upstream} answered ${statusCode} with a body that is not JSON.`,
      );
    }
    return {
      kind: "json",
      status: statusCode,
      headers: passedHeaders(headers),
      bytes: body,
      usage: usageInAnswer(body),
    };
  }

  private streamReply(response: Dispatcher.ResponseData, request: ForwardRequest): UpstreamReply {
    const watcher = new SseUsageWatcher();
    const headers = passedHeaders(response.headers);
    headers["content-type"] = headerValue(response.headers["content-type"]) ?? "text/event-stream";
    return {
      kind: "stream",
      status: response.statusCode,
      headers,
      chunks: this.relay(response.body, watcher, request),
      usage: () => watcher.usage,
    };
  }

  /**
   * The upstream's body, chunk by chunk as each arrives, unchanged. Ends quietly when the
   * caller disconnects (undici has already closed the upstream connection by then).
   */
  private async *relay(
    body: Dispatcher.ResponseData["body"],
    watcher: SseUsageWatcher,
    request: ForwardRequest,
  ): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        watcher.push(chunk);
        yield chunk;
      }
      watcher.end();
    } catch (error) {
      if (request.signal.aborted) return;
      throw this.failure(error, request.upstream, "body");
    }
  }

  /** A transport failure in the caller's terms: too slow is 504, anything else 502. */
  private failure(error: unknown, upstream: string, phase: Phase): UpstreamError {
    const code = (error as { code?: unknown } | null)?.code;
    const seconds = (ms: number) => `${ms / 1000} s`;
    switch (code) {
      case "UND_ERR_CONNECT_TIMEOUT":
        return new UpstreamError(
          504,
          "Timeout",
          `The upstream ${upstream} did not accept a connection within ${seconds(this.timeouts.connectTimeoutMs)}.`,
        );
      case "UND_ERR_HEADERS_TIMEOUT":
        return new UpstreamError(
          504,
          "Timeout",
          `The upstream ${upstream} did not answer within ${seconds(this.timeouts.headersTimeoutMs)}.`,
        );
      case "UND_ERR_BODY_TIMEOUT":
        return new UpstreamError(
          504,
          "Timeout",
          `The upstream ${upstream} sent nothing for ${seconds(this.timeouts.bodyTimeoutMs)} in the middle of its reply.`,
        );
    }
    const reason = typeof code === "string" ? code : (error as Error)?.message;
    if (phase === "body") {
      return new UpstreamError(
        502,
        "BadGateway",
        `The upstream ${upstream} broke off its reply (${reason}).`,
      );
    }
    return new UpstreamError(
      502,
      "BadGateway",
      UNREACHABLE.has(code as string)
        ? `The upstream ${upstream} could not be reached (${reason}).`
        : `The connection to the upstream ${upstream} failed (${reason}).`,
    );
  }
}

/**
 * A non-2xx reply in the caller's terms. 4xx is the caller's request (too long, rate limited,
 * unknown model): its status, message and retry headers go back. 401 and 403 are Keyless's own
 * credentials refused, and 5xx the upstream's failure: both are 502, so the caller never
 * mistakes them for a problem with their own request or credentials.
 */
function refusal(
  status: number,
  headers: IncomingHttpHeaders,
  text: string,
  request: ForwardRequest,
): UpstreamError {
  const { code, message } = errorDetails(text, status);
  if (status === 401 || status === 403) {
    if (status === 401) request.onCredentialRefused?.();
    return new UpstreamError(
      502,
      "BadGateway",
      `The upstream ${request.upstream} refused ${request.credential} (${status}): ${message}`,
    );
  }
  if (status >= 400 && status <= 499) {
    return new UpstreamError(status, code, message, passedHeaders(headers));
  }
  return new UpstreamError(
    502,
    "BadGateway",
    `The upstream ${request.upstream} answered ${status}: ${message}`,
  );
}

/**
 * Code and message from the error bodies OpenAI-style servers send: OpenAI's and Azure's
 * `{"error":{"code","message"}}`, vLLM's `{"object":"error","message","code":400}`, Ollama's
 * `{"error":"…"}`; otherwise the body's first characters.
 */
function errorDetails(text: string, status: number): { code: string; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const outer = (parsed ?? {}) as Record<string, unknown>;
  const inner = (
    typeof outer.error === "object" && outer.error !== null ? outer.error : outer
  ) as Record<string, unknown>;
  const message =
    typeof inner.message === "string"
      ? inner.message
      : typeof outer.error === "string"
        ? outer.error
        : text.trim() || `HTTP ${status}`;
  const code = [inner.code, inner.type].find(
    (value) => typeof value === "string" || typeof value === "number",
  );
  return { code: code === undefined ? String(status) : String(code), message: clip(message) };
}

const clip = (text: string) =>
  text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}…` : text;

/** Rate-limit headers, which the caller's client needs to back off. */
function passedHeaders(headers: IncomingHttpHeaders): ReplyHeaders {
  const passed: ReplyHeaders = {};
  for (const name in headers) {
    if (name.startsWith("x-ratelimit-") || name === "retry-after" || name === "retry-after-ms") {
      const value = headerValue(headers[name]);
      if (value !== undefined) passed[name] = value;
    }
  }
  return passed;
}

const headerValue = (value: string | string[] | undefined) =>
  Array.isArray(value) ? value.join(", ") : value;

/** At most `limit` bytes of a body as text; the rest is not waited for. */
async function readCapped(body: Dispatcher.ResponseData["body"], limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= limit) break; // leaving the loop destroys the body and its connection
    }
  } catch {
    // a refusal cut short still has its status; its message is what arrived
  }
  return Buffer.concat(parts).toString("utf8").slice(0, limit);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
