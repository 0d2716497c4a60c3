/**
 * The benchmark's upstream: a minimal OpenAI-compatible HTTP/1.1 server (`node:http`) that
 * answers `POST /v1/chat/completions` at once with the fixed completion of chat-completion.ts,
 * or, for `"stream": true`, with its SSE events: the first with the headers, the others
 * `chunkIntervalMs` apart, as a model emits tokens. It reads and parses each request body, as
 * any server must; it does no other work. Nothing from src/.
 *
 * argv[2]: JSON {@link UpstreamInput}. Once listening prints one line, `UPSTREAM {json}`
 * ({@link UpstreamListening}); SIGTERM closes it, prints `UPSTREAM-COUNTS {json}`
 * ({@link UpstreamCounts}) and it exits 0.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CHAT_COMPLETION, CHAT_STREAM_EVENTS } from "./chat-completion.js";

export interface UpstreamInput {
  /** Pause between two SSE events of a streamed answer. */
  chunkIntervalMs: number;
}

export interface UpstreamListening {
  /** `http://127.0.0.1:PORT/v1`: the base URL an OpenAI client (and a deployment) is given. */
  baseUrl: string;
  port: number;
}

/** Requests answered, by kind: what reached the upstream through every contestant. */
export interface UpstreamCounts {
  completions: number;
  streams: number;
  refused: number;
}

const input = JSON.parse(process.argv[2] ?? "") as UpstreamInput;
const counts: UpstreamCounts = { completions: 0, streams: 0, refused: 0 };
const completion = Buffer.from(CHAT_COMPLETION);
const events = CHAT_STREAM_EVENTS.map((event) => Buffer.from(event));

function refuse(response: ServerResponse, status: number, message: string): void {
  counts.refused++;
  const body = JSON.stringify({ error: { message, type: "invalid_request_error", code: null } });
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

function answer(response: ServerResponse): void {
  counts.completions++;
  response.writeHead(200, {
    "content-type": "application/json",
    "content-length": completion.length,
  });
  response.end(completion);
}

function stream(response: ServerResponse): void {
  counts.streams++;
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    // nginx passes an answer with this header on as it arrives, without buffering it.
    "x-accel-buffering": "no",
  });
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    response.write(events[next++]);
    if (next === events.length) response.end();
    else timer = setTimeout(send, input.chunkIntervalMs);
  };
  response.once("close", () => clearTimeout(timer));
  send();
}

const server = createServer((request, response) => {
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => {
    if (request.method !== "POST" || request.url !== "/v1/chat/completions")
      return refuse(response, 404, `No route for ${request.method} ${request.url}.`);
    let body: { stream?: unknown };
    try {
      body = JSON.parse(Buffer.concat(parts).toString("utf8")) as typeof body;
    } catch {
      return refuse(response, 400, "The body is not JSON.");
    }
    if (body.stream === true) stream(response);
    else answer(response);
  });
});
// As Fastify's default and the proxies': kept-alive connections outlive any pause in the load.
server.keepAliveTimeout = 72_000;
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  process.stdout.write(`UPSTREAM-COUNTS ${JSON.stringify(counts)}\n`);
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  const listening: UpstreamListening = { baseUrl: `http://127.0.0.1:${port}/v1`, port };
  process.stdout.write(`UPSTREAM ${JSON.stringify(listening)}\n`);
});
