import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { DataPlane } from "./data-plane.js";

/**
 * The data plane's HTTP edge: every URL shape reaches one handler with the URL as received, so
 * normalisation (`data-plane-route.ts`) sees exactly what the caller sent.
 */
export function registerDataPlaneRoutes(app: FastifyInstance, dataPlane: DataPlane): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.raw.url ?? request.url;
    const route = dataPlane.route(request.method, url, request.headers.host);
    if (!route) return reply.callNotFound();
    const abort = new AbortController();
    reply.raw.on("close", () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const response = await dataPlane.handle(
      {
        method: request.method,
        url,
        host: request.headers.host,
        headers: request.headers,
        body: request.body,
        clientAddress: request.ip,
        requestId: request.id,
        signal: abort.signal,
      },
      route,
    );
    // The openai SDK reports `x-request-id` as the request id; Azure also sends `apim-request-id`.
    reply.code(response.status).headers(response.headers);
    reply.header("x-request-id", request.id).header("apim-request-id", request.id);
    if ("stream" in response) {
      reply.header("cache-control", "no-cache");
      return reply.send(Readable.from(response.stream));
    }
    return reply.send(response.body);
  };
  for (const url of ["/accounts/*", "/openai/*", "/models/*"]) {
    app.route({ method: ["GET", "POST"], url, handler });
  }
}
