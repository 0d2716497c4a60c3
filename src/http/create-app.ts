import { randomUUID } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Logger } from "pino";

export interface AppOptions {
  logger: Logger;
  https?: { key: string; cert: string };
  /** Readiness: resolves when the app can serve (database reachable, signing key loaded). */
  ready: () => Promise<boolean>;
  /**
   * Sees every request first and answers the ones it takes (returns true) on `node:http` itself;
   * the rest go through Fastify. The data plane's edge (`inference/routes.ts`).
   */
  edge?: (request: IncomingMessage, response: ServerResponse) => boolean;
}

/** Fastify's own server defaults, kept for a server built here. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * A Fastify app with what every listener shares, in pipeline order: request ids, body
 * parsers, health endpoints, and the last-resort error and not-found handlers.
 */
export function createApp(options: AppOptions): FastifyInstance {
  const fastifyOptions: FastifyServerOptions & { https?: { key: string; cert: string } } = {
    loggerInstance: options.logger,
    // Per-request log lines would cost more than the token endpoint itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Azure paths are case-insensitive; route parameters keep their case.
    routerOptions: { caseSensitive: false, ignoreDuplicateSlashes: true },
    genReqId: () => randomUUID(),
    bodyLimit: 4 * 1024 * 1024,
    ...(options.https ? { https: options.https } : {}),
    ...(options.edge && { serverFactory: serverWithEdge(options.edge, options.https) }),
  };
  const app = Fastify(fastifyOptions) as unknown as FastifyInstance;

  // 1. request context: every response names its request, as Azure's do.
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-ms-request-id", request.id);
    const clientRequestId =
      request.headers["x-ms-client-request-id"] ?? request.headers["client-request-id"];
    if (typeof clientRequestId === "string") reply.header("client-request-id", clientRequestId);
  });

  // 2. body parsers: an empty JSON body is no body (the ARM SDKs send `POST …/listKeys` with a
  //    JSON content type and nothing else); OAuth forms arrive as application/x-www-form-urlencoded.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body === "") return done(null, undefined);
    return parseJson(request, body as string, done);
  });
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_request, body, done) => {
      done(null, new URLSearchParams(body as string));
    },
  );

  // 3. health
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) =>
    (await options.ready().catch(() => false))
      ? { status: "ready" }
      : reply.code(503).send({ status: "not ready" }),
  );

  // 4. last resort: unknown errors become a 500 with a public message; the cause goes to the log.
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error, requestId: request.id }, "request failed");
      return reply.code(500).send({
        error: {
          code: "InternalServerError",
          message: `An unexpected error occurred. Request id: ${request.id}`,
        },
      });
    }
    return reply
      .code(status)
      .send({ error: { code: error.code ?? "BadRequest", message: error.message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: "NotFound",
        message: `No route matches ${request.method} ${request.url.split("?")[0]}.`,
      },
    }),
  );
  return app;
}

/** A server that offers each request to `edge` before Fastify's handler. */
function serverWithEdge(edge: NonNullable<AppOptions["edge"]>, tls: AppOptions["https"]) {
  return (fastifyHandler: (request: IncomingMessage, response: ServerResponse) => void) => {
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      if (!edge(request, response)) fastifyHandler(request, response);
    };
    const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.requestTimeout = 0;
    return server;
  };
}
