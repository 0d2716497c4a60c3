import { oauthErrors } from "../errors.js";
import { resolveResource, resourceOfScope, resourceScopes, type Resource } from "../resources.js";
import type { GrantContext } from "./grant.js";

/** The resource a request is for and the scope names it asks of it. */
export interface RequestedResource {
  resource: Resource;
  scopeNames: string[];
  /** The scopes as requested, for the response's `scope`. */
  scopes: string[];
}

/**
 * Reads `scope` (v2) or `resource` (v1) and resolves the resource. `requireDefault` is the
 * client-credentials rule: only `X/.default` is meaningful without a user.
 */
export async function requestedResource(
  context: GrantContext,
  requireDefault: boolean,
): Promise<RequestedResource> {
  const { params, tenant } = context;
  let resourceName: string;
  let scopeNames: string[];
  let scopes: string[];
  if (context.endpointVersion === 1) {
    if (!params.resource) throw oauthErrors.missingParameter("resource");
    resourceName = params.resource;
    scopeNames = [".default"];
    scopes = [`${resourceName}/.default`];
  } else {
    if (!params.scope) throw oauthErrors.missingScope();
    scopes = resourceScopes(params.scope);
    if (scopes.length === 0) throw oauthErrors.missingScope();
    const parsed = scopes.map((scope) => ({ scope, parts: resourceOfScope(scope) }));
    const invalid = parsed.find((item) => !item.parts);
    if (invalid) throw oauthErrors.invalidScope(invalid.scope);
    const resources = new Set(parsed.map((item) => item.parts!.resource.toLowerCase()));
    if (resources.size > 1) throw oauthErrors.invalidScope(params.scope);
    if (requireDefault && (scopes.length !== 1 || parsed[0]!.parts!.scopeName !== ".default")) {
      throw oauthErrors.scopeNotDefault(params.scope);
    }
    resourceName = parsed[0]!.parts!.resource;
    scopeNames = parsed.map((item) => item.parts!.scopeName);
  }
  const resource = await resolveResource(
    resourceName,
    tenant.id,
    context.origins,
    (tenantId, name) => context.directory.findResourceApplication(tenantId, name),
  );
  if (!resource) throw oauthErrors.resourceNotFound(resourceName, tenant.id);
  return { resource, scopeNames, scopes };
}
