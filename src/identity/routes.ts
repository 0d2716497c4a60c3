import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Identity } from "./create-identity.js";
import { oauthErrors } from "./errors.js";
import { OAuthError, renderOAuthError } from "./oauth-error.js";
import { openIdConfiguration } from "./openid-configuration.js";
import type { ManagedIdentityProtocol } from "./managed-identity-endpoint.js";

type TenantParams = { tenant: string };

function sendOAuthError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  now: Date,
): FastifyReply {
  if (!(error instanceof OAuthError)) throw error;
  if (error.retryAfter !== undefined) reply.header("retry-after", String(error.retryAfter));
  return reply
    .code(error.status)
    .header("cache-control", "no-store")
    .send(renderOAuthError(error, clientRequestId(request), now));
}

function clientRequestId(request: FastifyRequest): string | undefined {
  const fromQuery = (request.query as Record<string, string | undefined>)["client-request-id"];
  const header = request.headers["client-request-id"];
  return fromQuery ?? (typeof header === "string" ? header : undefined);
}

/** Entra's endpoints on the HTTPS origin: discovery, keys and the token endpoints. */
export function registerIdentityRoutes(
  app: FastifyInstance,
  identity: Identity,
  now: () => Date,
): void {
  const discovery =
    (version: 1 | 2) =>
    async (request: FastifyRequest<{ Params: TenantParams }>, reply: FastifyReply) => {
      const segment = request.params.tenant.toLowerCase();
      const tenant = await identity.tenants.find(segment);
      // Entra's discovery documents call an unknown tenant `invalid_tenant`, its token endpoints `invalid_request`.
      if (!tenant)
        return sendOAuthError(
          request,
          reply,
          oauthErrors.tenantNotFound(request.params.tenant, "invalid_tenant"),
          now(),
        );
      const origin = identity.origins.fromHost(request.headers.host);
      // msal-node reads an `adfs` authority's document at /adfs/.well-known/…, and then speaks v2 to it.
      return openIdConfiguration(origin, segment, tenant, segment === "adfs" ? 2 : version);
    };
  app.get("/:tenant/v2.0/.well-known/openid-configuration", discovery(2));
  app.get("/:tenant/.well-known/openid-configuration", discovery(1));

  const keys = async () => identity.keyRing.jwks();
  app.get("/:tenant/discovery/v2.0/keys", keys);
  app.get("/:tenant/discovery/keys", keys);

  // msal-node asks this only of hosts it does not know; answering it lets clients skip
  // `disableInstanceDiscovery` when they reach Keyless under its own name.
  app.get("/common/discovery/instance", async (request) => {
    const origin = identity.origins.fromHost(request.headers.host);
    const host = new URL(origin).host;
    return {
      tenant_discovery_endpoint: `${origin}/common/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  });

  const token =
    (endpointVersion: 1 | 2) =>
    async (request: FastifyRequest<{ Params: TenantParams }>, reply: FastifyReply) => {
      try {
        const body = await identity.tokenEndpoint.handle({
          tenantSegment: request.params.tenant,
          endpointVersion,
          params: formParams(request.body),
          authorization: request.headers.authorization,
          host: request.headers.host,
          clientAddress: request.ip,
        });
        return reply.header("cache-control", "no-store").header("pragma", "no-cache").send(body);
      } catch (error) {
        return sendOAuthError(request, reply, error, now());
      }
    };
  app.post("/:tenant/oauth2/v2.0/token", token(2));
  app.post("/:tenant/oauth2/token", token(1));
}

/** The managed-identity protocols, on the plain-HTTP listener. */
export function registerManagedIdentityRoutes(app: FastifyInstance, identity: Identity): void {
  const handler =
    (protocol: ManagedIdentityProtocol) => async (request: FastifyRequest, reply: FastifyReply) => {
      const headers = request.headers;
      const result = await identity.managedIdentityEndpoint.handle({
        protocol,
        query: request.query as Record<string, string>,
        metadata: typeof headers.metadata === "string" ? headers.metadata : undefined,
        identityHeader:
          typeof headers["x-identity-header"] === "string"
            ? headers["x-identity-header"]
            : undefined,
      });
      return reply.code(result.status).header("cache-control", "no-store").send(result.body);
    };
  // msal-node appends a trailing slash to the IMDS URL it builds from AZURE_POD_IDENTITY_AUTHORITY_HOST.
  app.get("/metadata/identity/oauth2/token", handler("imds"));
  app.get("/metadata/identity/oauth2/token/", handler("imds"));
  app.get("/msi/token", handler("appService"));
}

/** The form as a plain map; a parameter given twice is refused rather than guessed at. */
function formParams(body: unknown): Record<string, string> {
  if (!(body instanceof URLSearchParams)) {
    throw oauthErrors.malformedRequest(
      "The request body must be application/x-www-form-urlencoded.",
    );
  }
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of body) {
    if (name in params)
      throw oauthErrors.malformedRequest(
        `The request body contains the parameter '${name}' more than once.`,
      );
    params[name] = value;
  }
  return params;
}
