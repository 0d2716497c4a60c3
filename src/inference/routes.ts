import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ConnectionSignal } from "./caller-signal.js";
import type { DataPlane, DataPlaneRequest, DataPlaneResponse } from "./data-plane.js";
import { DataPlaneError } from "./errors.js";
import { readJsonBody } from "./read-json-body.js";

/** Failures nobody else reports: the bug behind a 500. */
export interface EdgeLog {
  error(details: object, message: string): void;
}

/** Takes a request when it is the data plane's; false leaves it to the rest of the server. */
export type DataPlaneEdge = (request: IncomingMessage, response: ServerResponse) => boolean;

/** First path segments of the data plane, compared case-insensitively as Azure paths are. */
const DATA_PLANE_PREFIX = /^\/+(?:accounts|openai|models)\//i;

/**
 * The data plane's HTTP edge, on `node:http` itself rather than the web framework: a gateway
 * pays its edge on every forwarded call, and bench/gateway measured the framework's request and
 * reply pipeline as a large share of it (docs/decisions/0004-data-plane-edge.md). It does what the
 * framework did for these routes: request ids, the JSON body with its limits, Azure's error
 * shape, a 404 for URLs that are no route, and a 500 with a public message for bugs. Every URL
 * reaches `DataPlane` exactly as received, so normalisation (`data-plane-route.ts`) sees what
 * the caller sent.
 */
export function dataPlaneEdge(dataPlane: DataPlane, log: EdgeLog): DataPlaneEdge {
  return (request, response) => {
    const url = request.url ?? "/";
    if ((request.method !== "POST" && request.method !== "GET") || !DATA_PLANE_PREFIX.test(url)) {
      return false;
    }
    serve(dataPlane, log, request, response, url).catch((error: unknown) => {
      // Only a failure to write the last-resort answer lands here: nothing more can be said.
      log.error({ err: error }, "answering a data-plane request failed");
      response.destroy();
    });
    return true;
  };
}

async function serve(
  dataPlane: DataPlane,
  log: EdgeLog,
  request: IncomingMessage,
  response: ServerResponse,
  url: string,
): Promise<void> {
  const requestId = randomUUID();
  const signal = new ConnectionSignal();
  response.once("close", () => {
    if (!response.writableFinished) signal.abort();
  });
  const call: DataPlaneRequest = {
    method: request.method!,
    url,
    host: request.headers.host,
    headers: request.headers,
    body: undefined,
    clientAddress: request.socket.remoteAddress ?? "",
    requestId,
    signal,
  };
  try {
    try {
      call.body = await readJsonBody(request);
    } catch (error) {
      // A body that could not be read is refused in Azure's shape, and audited like any other.
      if (!(error instanceof DataPlaneError)) throw error;
      return await send(request, response, requestId, dataPlane.reject(call, error));
    }
    const route = dataPlane.route(call.method, url, call.host);
    if (!route) return await send(request, response, requestId, notFound(call.method, url));
    const streaming = send(request, response, requestId, await dataPlane.handle(call, route));
    if (streaming) await streaming;
  } catch (error) {
    log.error({ err: error, requestId }, "request failed");
    if (response.headersSent) return void response.destroy();
    await send(request, response, requestId, {
      status: 500,
      headers: {},
      body: {
        error: {
          code: "InternalServerError",
          message: `An unexpected error occurred. Request id: ${requestId}`,
        },
      },
    });
  }
}

function notFound(method: string, url: string): DataPlaneResponse {
  return {
    status: 404,
    headers: {},
    body: {
      error: { code: "NotFound", message: `No route matches ${method} ${url.split("?")[0]}.` },
    },
  };
}

/**
 * Writes the answer. A whole answer is written at once and nothing is returned; a stream returns
 * the promise of its end. Not async for the common whole answer, which then costs no promise.
 */
function send(
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  answer: DataPlaneResponse,
): Promise<void> | undefined {
  const headers: Record<string, string | number> = {
    // Azure's request id headers; the openai SDK reports `x-request-id` as the request id.
    "x-ms-request-id": requestId,
    "x-request-id": requestId,
    "apim-request-id": requestId,
  };
  // Copied field by field rather than spread into the literal, which took V8's slow path; the
  // request ids stay Keyless's own, whatever an answer carries.
  for (const name in answer.headers) headers[name] ??= answer.headers[name]!;
  const clientRequestId =
    request.headers["x-ms-client-request-id"] ?? request.headers["client-request-id"];
  if (typeof clientRequestId === "string") headers["client-request-id"] = clientRequestId;
  if (response.destroyed) return drainStream(answer);
  if (!("stream" in answer)) {
    const body = answer.bytes ?? JSON.stringify(answer.body);
    headers["content-type"] = "application/json; charset=utf-8";
    headers["content-length"] = Buffer.byteLength(body);
    response.writeHead(answer.status, headers);
    response.end(body);
    return undefined;
  }
  headers["cache-control"] = "no-cache";
  response.writeHead(answer.status, headers);
  return relay(response, answer.stream);
}

async function relay(
  response: ServerResponse,
  stream: AsyncIterable<string | Uint8Array>,
): Promise<void> {
  for await (const chunk of stream) {
    if (response.destroyed) break; // the caller left: leaving the loop ends the stream's work
    if (!response.write(chunk)) await drained(response);
  }
  response.end();
}

/** A stream nobody will read still runs to its end, so it releases its upstream and is audited. */
async function drainStream(answer: DataPlaneResponse): Promise<void> {
  if (!("stream" in answer)) return;
  for await (const chunk of answer.stream) void chunk;
}

/** Resolves once the socket takes more, or the caller has gone. */
function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.once("drain", done);
    response.once("close", done);
  });
}
