import { Readable } from "node:stream";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { DataPlane, DataPlaneRequest, DataPlaneResponse } from "./data-plane.js";
import { DataPlaneError } from "./errors.js";

/**
 * The data plane's HTTP edge: every URL shape reaches one handler with the URL as received, so
 * normalisation (`data-plane-route.ts`) sees exactly what the caller sent.
 */
export function registerDataPlaneRoutes(app: FastifyInstance, dataPlane: DataPlane): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.raw.url ?? request.url;
    const route = dataPlane.route(request.method, url, request.headers.host);
    if (!route) return reply.callNotFound();
    return send(reply, await dataPlane.handle(dataPlaneRequest(request, reply), route));
  };
  // A body Fastify could not read (not JSON, too large) is refused in Azure's shape and audited.
  const errorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) throw error;
    const refusal = new DataPlaneError(
      status,
      BODY_ERROR_CODES[status] ?? "BadRequest",
      error.message,
    );
    return send(reply, dataPlane.reject(dataPlaneRequest(request, reply), refusal));
  };
  for (const url of ["/accounts/*", "/openai/*", "/models/*"]) {
    app.route({ method: ["GET", "POST"], url, handler, errorHandler });
  }
}

const BODY_ERROR_CODES: Record<number, string> = {
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
};

function dataPlaneRequest(request: FastifyRequest, reply: FastifyReply): DataPlaneRequest {
  const abort = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return {
    method: request.method,
    url: request.raw.url ?? request.url,
    host: request.headers.host,
    headers: request.headers,
    body: request.body,
    clientAddress: request.ip,
    requestId: request.id,
    signal: abort.signal,
  };
}

function send(reply: FastifyReply, response: DataPlaneResponse) {
  reply.code(response.status).headers(response.headers);
  // The openai SDK reports `x-request-id` as the request id; Azure also sends `apim-request-id`.
  reply.header("x-request-id", reply.request.id).header("apim-request-id", reply.request.id);
  if ("stream" in response) {
    reply.header("cache-control", "no-cache");
    return reply.send(Readable.from(response.stream));
  }
  return reply.send(response.body);
}
