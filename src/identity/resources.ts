import type { Application } from "./model.js";
import type { Origins } from "./origins.js";

/** What a token is for: its `aud`, its format and, for a registered application, its id. */
export interface Resource {
  audience: string;
  version: 1 | 2;
  appId?: string;
}

/**
 * First-party resources, which Entra serves v1 tokens for. The audience keeps the caller's
 * spelling (a trailing `/` included), as Entra's v1 tokens do.
 */
const wellKnownResources = [
  "https://cognitiveservices.azure.com",
  "https://ai.azure.com",
  "https://ml.azure.com",
  "https://management.azure.com",
  "https://management.core.windows.net",
  // The audience of federated-credential assertions (workload identity).
  "api://AzureADTokenExchange",
];

const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);

/** The resource part of `X/.default` or `X/scope_name`. */
export function resourceOfScope(
  scope: string,
): { resource: string; scopeName: string } | undefined {
  const slash = scope.lastIndexOf("/");
  if (slash <= 0 || slash === scope.length - 1) return undefined;
  return { resource: scope.slice(0, slash), scopeName: scope.slice(slash + 1) };
}

/** Splits an OAuth `scope` value, dropping the OIDC scopes MSAL always adds. */
export function resourceScopes(scope: string): string[] {
  return scope.split(/\s+/).filter((item) => item !== "" && !OIDC_SCOPES.has(item.toLowerCase()));
}

export type ApplicationLookup = (
  tenantId: string,
  resource: string,
) => Promise<Application | undefined>;

/** Resolves a requested resource (`scope` minus its last segment, or v1 `resource=`). */
export async function resolveResource(
  resource: string,
  tenantId: string,
  origins: Origins,
  findApplication: ApplicationLookup,
): Promise<Resource | undefined> {
  const bare = resource.replace(/\/+$/, "").toLowerCase();
  if (wellKnownResources.some((known) => known.toLowerCase() === bare) || origins.isOwn(resource)) {
    return { audience: resource, version: 1 };
  }
  const application = await findApplication(tenantId, resource);
  if (!application) return undefined;
  return application.accessTokenVersion === 2
    ? { audience: application.appId, version: 2, appId: application.appId }
    : { audience: resource, version: 1, appId: application.appId };
}
