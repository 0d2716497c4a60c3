import type { Clock } from "../kernel/index.js";
import {
  clientCredentialKinds,
  type ClientCredentialDeps,
  type PresentedClientCredential,
} from "./client-credentials/index.js";
import type { Directory } from "./directory.js";
import { oauthErrors } from "./errors.js";
import type { FailureThrottle } from "./failure-throttle.js";
import { grants, type GrantContext, type GrantResult } from "./grants/index.js";
import { decodeJwt } from "./jwt.js";
import type { Tenant } from "./model.js";
import { OAuthError } from "./oauth-error.js";
import type { Origins } from "./origins.js";
import type { TenantResolver } from "./tenant-resolver.js";
import type { IssuedToken, TokenIssuer } from "./token-issuer.js";

export interface TokenEndpointRequest {
  tenantSegment: string;
  endpointVersion: 1 | 2;
  params: Record<string, string>;
  /** `Authorization` header: `client_secret_basic` sends the client id and secret there. */
  authorization?: string;
  host?: string;
  clientAddress: string;
}

export type TokenResponseBody = Record<string, string | number>;

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** `POST /{tenant}/oauth2/v2.0/token` and `/{tenant}/oauth2/token`: steps in order. */
export class TokenEndpoint {
  constructor(
    private readonly deps: {
      directory: Directory;
      tenants: TenantResolver;
      origins: Origins;
      issuer: TokenIssuer;
      throttle: FailureThrottle;
      clock: Clock;
      clientCredentials: Omit<ClientCredentialDeps, "store" | "clock">;
    },
  ) {}

  async handle(request: TokenEndpointRequest): Promise<TokenResponseBody> {
    const params = withBasicCredentials(request.params, request.authorization);
    const tenant = await this.deps.tenants.resolve(request.tenantSegment);
    const throttleKeys = throttleKeysFor(tenant, params, request.clientAddress);
    this.checkThrottle(throttleKeys);
    const origin = this.deps.origins.fromHost(request.host);
    let result: GrantResult;
    try {
      result = await this.runGrant(request, params, tenant);
    } catch (error) {
      if (isAuthenticationFailure(error)) this.deps.throttle.recordFailure(throttleKeys);
      throw error;
    }
    const token = await this.deps.issuer.issue({ tenant, origin, ...result });
    return formatResponse(request, params, tenant, result, token);
  }

  private checkThrottle(keys: string[]): void {
    const wait = this.deps.throttle.retryAfter(keys);
    if (wait !== undefined) throw oauthErrors.throttled(wait);
  }

  private runGrant(
    request: TokenEndpointRequest,
    params: Record<string, string>,
    tenant: Tenant,
  ): Promise<GrantResult> {
    if (!params.grant_type) throw oauthErrors.missingParameter("grant_type");
    const grant = grants.get(params.grant_type);
    if (!grant) throw oauthErrors.unsupportedGrantType(params.grant_type);
    const context: GrantContext = {
      tenant,
      endpointVersion: request.endpointVersion,
      params,
      directory: this.deps.directory,
      origins: this.deps.origins,
      clock: this.deps.clock,
      authenticateClient: () => this.authenticateClient(request, params, tenant),
    };
    return grant.handle(context);
  }

  private async authenticateClient(
    request: TokenEndpointRequest,
    params: Record<string, string>,
    tenant: Tenant,
  ) {
    const { directory } = this.deps;
    if (!params.client_id) throw oauthErrors.missingParameter("client_id");
    const application = await directory.store.getApplication(params.client_id);
    const servicePrincipal = await directory.store.findServicePrincipalByAppId(
      tenant.id,
      params.client_id,
    );
    if (!application || application.tenantId !== tenant.id || !servicePrincipal) {
      throw oauthErrors.applicationNotFound(params.client_id, tenant.id);
    }
    if (!servicePrincipal.accountEnabled)
      throw oauthErrors.applicationDisabled(application.appId, application.displayName);

    if (params.client_secret !== undefined && params.client_assertion !== undefined) {
      throw oauthErrors.malformedRequest(
        "Only one client authentication method may be used in a request.",
      );
    }
    const assertion = readAssertion(params);
    let tokenEndpoints: string[] | undefined;
    const endpointsOf = () => this.tokenEndpoints(tenant, request.tenantSegment);
    const presented: PresentedClientCredential = {
      clientId: application.appId,
      clientSecret: params.client_secret,
      assertion,
      rawAssertion: params.client_assertion,
      tenant,
      // Only assertions name an audience; a secret need not pay for building every spelling.
      get tokenEndpoints() {
        return (tokenEndpoints ??= endpointsOf());
      },
    };
    const kind = clientCredentialKinds.find((candidate) => candidate.presentedIn(presented));
    if (!kind) throw oauthErrors.missingClientCredential();
    const proof = await kind.verify(presented, application, {
      ...this.deps.clientCredentials,
      store: directory.store,
      clock: this.deps.clock,
    });
    return { application, servicePrincipal, proof };
  }

  /** Every spelling of this tenant's token endpoints: what a client assertion's `aud` may be. */
  private tokenEndpoints(tenant: Tenant, segment: string): string[] {
    const segments = new Set([tenant.id, tenant.defaultDomain, segment.toLowerCase()]);
    return this.deps.origins
      .all()
      .flatMap((origin) =>
        [...segments].flatMap((s) => [
          `${origin}/${s}/oauth2/v2.0/token`,
          `${origin}/${s}/oauth2/token`,
        ]),
      );
  }
}

function readAssertion(params: Record<string, string>) {
  if (params.client_assertion === undefined) return undefined;
  if (params.client_assertion_type !== JWT_BEARER) {
    throw oauthErrors.unsupportedAssertionType(params.client_assertion_type ?? "");
  }
  const assertion = decodeJwt(params.client_assertion);
  if (!assertion) throw oauthErrors.malformedAssertion();
  return assertion;
}

/** `client_secret_basic`: `Authorization: Basic base64(urlencode(id):urlencode(secret))`. */
function withBasicCredentials(
  params: Record<string, string>,
  authorization?: string,
): Record<string, string> {
  const match = authorization?.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i);
  if (!match) return params;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0)
    throw oauthErrors.malformedRequest(
      "The Authorization header is not valid Basic client authentication.",
    );
  if (params.client_secret !== undefined || params.client_assertion !== undefined) {
    throw oauthErrors.malformedRequest(
      "Only one client authentication method may be used in a request.",
    );
  }
  const clientId = decodeURIComponent(decoded.slice(0, colon));
  if (params.client_id !== undefined && params.client_id !== clientId) {
    throw oauthErrors.malformedRequest(
      "The client_id in the body differs from the one in the Authorization header.",
    );
  }
  return {
    ...params,
    client_id: clientId,
    client_secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

/**
 * What failed attempts count against: the address always; a password guess against the user,
 * not the public client every user shares (one user's typos must not lock out the rest); any
 * other request against its client id.
 */
function throttleKeysFor(
  tenant: Tenant,
  params: Record<string, string>,
  address: string,
): string[] {
  const keys = [`address:${address}`];
  if (params.username !== undefined)
    keys.push(`user:${tenant.id}:${params.username.toLowerCase()}`);
  else keys.push(`client:${tenant.id}:${(params.client_id ?? "").toLowerCase()}`);
  return keys;
}

/** Wrong credentials, and unknown client ids (so they cannot be enumerated at speed). */
function isAuthenticationFailure(error: unknown): boolean {
  return (
    error instanceof OAuthError &&
    (error.error === "invalid_client" || error.error === "invalid_grant" || error.aadsts === 700016)
  );
}

function formatResponse(
  request: TokenEndpointRequest,
  params: Record<string, string>,
  tenant: Tenant,
  result: GrantResult,
  token: IssuedToken,
): TokenResponseBody {
  const body: TokenResponseBody = { token_type: "Bearer" };
  if (result.scope !== undefined) body.scope = result.scope;
  if (request.endpointVersion === 1) {
    // The v1 endpoint answers with strings, as Entra's does.
    Object.assign(body, {
      expires_in: String(token.lifetime),
      ext_expires_in: String(token.lifetime),
      expires_on: String(token.expiresOn),
      not_before: String(token.issuedAt),
      resource: params.resource ?? result.resource.audience,
    });
  } else {
    Object.assign(body, { expires_in: token.lifetime, ext_expires_in: token.lifetime });
  }
  body.access_token = token.accessToken;
  if (token.idToken) body.id_token = token.idToken;
  if (params.client_info === "1" && result.subject.kind === "user") {
    body.client_info = Buffer.from(
      JSON.stringify({ uid: result.subject.user.id, utid: tenant.id }),
    ).toString("base64url");
  }
  return body;
}
