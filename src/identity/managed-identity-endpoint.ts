import type { Directory } from "./directory.js";
import type { ServicePrincipal } from "./model.js";
import type { Origins } from "./origins.js";
import { resolveResource } from "./resources.js";
import type { ManagedIdentitySelector } from "./store.js";
import type { TokenIssuer } from "./token-issuer.js";

/** The two managed-identity protocols Keyless speaks on its plain-HTTP listener. */
export type ManagedIdentityProtocol = "imds" | "appService";

export interface ManagedIdentityRequest {
  protocol: ManagedIdentityProtocol;
  query: Record<string, string>;
  /** IMDS: the `Metadata` header. */
  metadata?: string;
  /** App Service: the `X-IDENTITY-HEADER` header. */
  identityHeader?: string;
}

export interface ManagedIdentityResponse {
  status: number;
  body: Record<string, string>;
}

const API_VERSIONS: Record<ManagedIdentityProtocol, string[]> = {
  imds: ["2018-02-01", "2019-08-01", "2021-02-01"],
  appService: ["2019-08-01"],
};

/** Query parameters that name a user-assigned identity, per protocol. */
const SELECTORS: Record<ManagedIdentityProtocol, [string, ManagedIdentitySelector["by"]][]> = {
  imds: [
    ["client_id", "clientId"],
    ["object_id", "objectId"],
    ["msi_res_id", "resourceId"],
    ["mi_res_id", "resourceId"],
  ],
  appService: [
    ["client_id", "clientId"],
    ["principal_id", "objectId"],
    ["object_id", "objectId"],
    ["mi_res_id", "resourceId"],
  ],
};

const failure = (status: number, error: string, description: string): ManagedIdentityResponse => ({
  status,
  body: { error, error_description: description },
});

/**
 * Hands out tokens for managed identities, as IMDS (`2018-02-01`) and App Service
 * (`2019-08-01`) do. "No such identity" is a 400: identity retries 404s as transient.
 */
export class ManagedIdentityEndpoint {
  constructor(
    private readonly deps: {
      directory: Directory;
      origins: Origins;
      issuer: TokenIssuer;
      /** App Service's shared secret; undefined keeps the App Service protocol closed. */
      identityHeader?: string;
      /** Client id served when a request names no identity. */
      defaultIdentityClientId?: string;
      safeEqual(a: string, b: string): boolean;
    },
  ) {}

  async handle(request: ManagedIdentityRequest): Promise<ManagedIdentityResponse> {
    const refusal = this.checkCaller(request);
    if (refusal) return refusal;
    const { query } = request;
    if (!query["api-version"])
      return failure(400, "invalid_request", "Required query variable 'api-version' is missing");
    if (!API_VERSIONS[request.protocol].includes(query["api-version"])) {
      return failure(400, "invalid_request", `Invalid api-version '${query["api-version"]}'`);
    }
    if (!query.resource)
      return failure(400, "invalid_request", "Required query variable 'resource' is missing");

    const identity = await this.selectIdentity(request);
    if ("status" in identity) return identity;
    const resource = await resolveResource(
      query.resource,
      identity.tenantId,
      this.deps.origins,
      (tenantId, name) => this.deps.directory.findResourceApplication(tenantId, name),
    );
    if (!resource) {
      return failure(
        400,
        "invalid_resource",
        `AADSTS500011: The resource principal named ${query.resource} was not found in the tenant named ${identity.tenantId}.`,
      );
    }
    const tenant = await this.deps.directory.store.findTenant(identity.tenantId);
    if (!tenant) return failure(400, "invalid_request", "Identity not found");
    const groups = await this.deps.directory.transitiveGroups(identity.id);
    const token = await this.deps.issuer.issue({
      tenant,
      origin: this.deps.origins.canonical(),
      subject: { kind: "app", principal: identity, proof: "managedIdentity", groups },
      resource,
    });
    // The IMDS shape, which msal-node and Python azure-identity both read (epoch strings).
    return {
      status: 200,
      body: {
        access_token: token.accessToken,
        client_id: identity.appId,
        expires_in: String(token.lifetime),
        expires_on: String(token.expiresOn),
        ext_expires_in: String(token.lifetime),
        not_before: String(token.issuedAt),
        resource: query.resource,
        token_type: "Bearer",
      },
    };
  }

  private checkCaller(request: ManagedIdentityRequest): ManagedIdentityResponse | undefined {
    if (request.protocol === "imds") {
      // Also the answer to the SDK's availability probe, which sends no Metadata header.
      if (request.metadata?.toLowerCase() !== "true") {
        return failure(400, "invalid_request", "Required metadata header not specified");
      }
      return undefined;
    }
    const expected = this.deps.identityHeader;
    if (
      !expected ||
      !request.identityHeader ||
      !this.deps.safeEqual(request.identityHeader, expected)
    ) {
      return failure(
        401,
        "unauthorized_client",
        "The X-IDENTITY-HEADER header is missing or does not match.",
      );
    }
    return undefined;
  }

  private async selectIdentity(
    request: ManagedIdentityRequest,
  ): Promise<ServicePrincipal | ManagedIdentityResponse> {
    const named = SELECTORS[request.protocol].filter(([param]) => request.query[param]);
    if (named.length > 1) {
      return failure(
        400,
        "invalid_request",
        "Only one of client_id, object_id and resource id may be given",
      );
    }
    const selector: ManagedIdentitySelector | undefined = named[0]
      ? { by: named[0][1], value: request.query[named[0][0]]! }
      : this.deps.defaultIdentityClientId
        ? { by: "clientId", value: this.deps.defaultIdentityClientId }
        : undefined;
    if (!selector)
      return failure(
        400,
        "invalid_request",
        "No managed identity is assigned to this host; name one with client_id",
      );
    const identity = await this.deps.directory.store.findManagedIdentity(selector);
    if (!identity) return failure(400, "invalid_request", "Identity not found");
    if (!identity.accountEnabled) return failure(400, "invalid_request", "Identity is disabled");
    return identity;
  }
}
