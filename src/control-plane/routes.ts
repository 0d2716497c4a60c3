import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ArmError } from "./arm-error.js";
import type { ArmPipeline } from "./arm-pipeline.js";

/** Paths the ARM front end owns on the HTTPS origin. */
const ARM_PREFIXES = ["/subscriptions", "/subscriptions/*", "/providers/*", "/tenants"];
const METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH"] as const;

function sendArmError(reply: FastifyReply, error: ArmError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .header("x-ms-error-code", error.code)
    .send({ error: { code: error.code, message: error.message } });
}

/** The ARM-shaped control plane: every request goes through the pipeline. */
export function registerControlPlaneRoutes<Deps>(
  app: FastifyInstance,
  pipeline: ArmPipeline<Deps>,
  originOf: (host: string | undefined) => string,
): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header("x-ms-correlation-request-id", request.id);
    try {
      const result = await pipeline.handle({
        requestId: request.id,
        method: request.method,
        url: request.url,
        query: request.query as Record<string, string>,
        authorization: request.headers.authorization,
        body: request.body,
        origin: originOf(request.headers.host),
      });
      for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
      reply.code(result.status);
      return result.body === undefined ? reply.send() : reply.send(result.body);
    } catch (error) {
      if (error instanceof ArmError) return sendArmError(reply, error);
      throw error;
    }
  };
  for (const url of ARM_PREFIXES) app.route({ method: [...METHODS], url, handler });
}
