import { ArmError } from "./arm-error.js";

/** Allowed ARM audiences, as Azure's message lists them. */
const AZURE_AUDIENCES = [
  "https://management.core.windows.net/",
  "https://management.core.windows.net",
  "https://management.azure.com/",
  "https://management.azure.com",
];

/** .NET's invariant `M/d/yyyy h:mm:ss tt`, which ARM's expiry message uses. */
function armTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const hour = d.getUTCHours() % 12 || 12;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${hour}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? "AM" : "PM"}`;
}

/** The control plane's error catalogue, in ARM's words. Codes are API contract. */
export const armErrors = {
  missingAuthorization: () =>
    new ArmError(
      401,
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is missing.",
    ),
  malformedAuthorization: () =>
    new ArmError(
      401,
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    ),
  invalidToken: () =>
    new ArmError(401, "InvalidAuthenticationToken", "The access token is invalid."),
  wrongAudience: (audience: string, ownAudiences: readonly string[]) =>
    new ArmError(
      401,
      "InvalidAuthenticationTokenAudience",
      `The access token has been obtained for wrong audience or resource '${audience}'. It should exactly match with one of the allowed audiences ${[...AZURE_AUDIENCES, ...ownAudiences].map((a) => `'${a}'`).join(",")}.`,
    ),
  expiredToken: (expiry: number, now: number) =>
    new ArmError(
      401,
      "ExpiredAuthenticationToken",
      `The access token expiry UTC time '${armTime(expiry)}' is earlier than current UTC time '${armTime(now)}'.`,
    ),
  authorizationFailed: (client: string, objectId: string, action: string, scope: string) =>
    new ArmError(
      403,
      "AuthorizationFailed",
      `The client '${client}' with object id '${objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    ),
  missingApiVersion: () =>
    new ArmError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
    ),
  unsupportedApiVersion: (apiVersion: string, resourceType: string, supported: readonly string[]) =>
    new ArmError(
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for location 'global' and API version '${apiVersion}' for type '${resourceType}'. The supported api-versions are '${supported.join(", ")}'. The supported locations are 'global'.`,
    ),
  unknownRoute: (method: string, path: string) =>
    new ArmError(404, "NotFound", `No ARM operation matches ${method} ${path}.`),
  invalidRequestContent: (detail: string) =>
    new ArmError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: ${detail}`,
    ),
  subscriptionNotFound: (subscriptionId: string) =>
    new ArmError(
      404,
      "SubscriptionNotFound",
      `The subscription '${subscriptionId}' could not be found.`,
    ),
  resourceGroupNotFound: (name: string) =>
    new ArmError(404, "ResourceGroupNotFound", `Resource group '${name}' could not be found.`),
  resourceNotFound: (type: string, name: string, resourceGroup: string) =>
    new ArmError(
      404,
      "ResourceNotFound",
      `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
};

/** Microsoft.Authorization's own errors. */
export const authorizationErrors = {
  invalidFilter: (filter: string) =>
    new ArmError(400, "InvalidFilter", `The filter '${filter}' is not supported.`),
  invalidScope: (scope: string) =>
    new ArmError(400, "InvalidScope", `The scope '${scope}' is not valid.`),
  invalidRequest: (detail: string) =>
    new ArmError(400, "InvalidRequestContent", `The request content was invalid: ${detail}`),
  invalidAssignmentName: (name: string) =>
    new ArmError(
      400,
      "InvalidRoleAssignmentId",
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
    ),
  roleAssignmentExists: () =>
    new ArmError(409, "RoleAssignmentExists", "The role assignment already exists."),
  roleAssignmentNotFound: () =>
    new ArmError(404, "RoleAssignmentNotFound", "The role assignment does not exist."),
  roleAssignmentUpdateNotPermitted: () =>
    new ArmError(
      400,
      "RoleAssignmentUpdateNotPermitted",
      "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
    ),
  roleDefinitionDoesNotExist: (id: string) =>
    new ArmError(
      400,
      "RoleDefinitionDoesNotExist",
      `The specified role definition with ID '${id}' does not exist.`,
    ),
  roleDefinitionNotFound: () =>
    new ArmError(
      404,
      "RoleDefinitionDoesNotExist",
      "The specified role definition does not exist.",
    ),
  roleDefinitionNotAssignableHere: (id: string, scope: string) =>
    new ArmError(
      400,
      "InvalidRoleDefinitionId",
      `The role definition ID '${id}' is not valid: it cannot be assigned at scope '${scope}'.`,
    ),
  principalNotFound: (principalId: string, tenantId: string) =>
    new ArmError(
      400,
      "PrincipalNotFound",
      `Principal ${principalId} does not exist in the directory ${tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
    ),
  unmatchedPrincipalType: (principalId: string, actual: string, given: string) =>
    new ArmError(
      400,
      "UnmatchedPrincipalType",
      `The PrincipalId '${principalId}' has type '${actual}' , which is different from specified PrincipalType '${given}'.`,
    ),
  builtInRoleReadOnly: () =>
    new ArmError(
      400,
      "RoleDefinitionUpdateNotPermitted",
      "Built-in role definitions cannot be changed or deleted.",
    ),
  roleNameExists: () =>
    new ArmError(
      409,
      "RoleDefinitionWithSameNameExists",
      "A custom role with the same name already exists in this directory. Use a different name.",
    ),
  roleDefinitionHasAssignments: () =>
    new ArmError(
      409,
      "RoleDefinitionHasAssignments",
      "There are existing role assignments referencing role (code: RoleDefinitionHasAssignments).",
    ),
};

/** Microsoft.CognitiveServices' own errors. */
export const cognitiveServicesErrors = {
  localAuthDisabled: () =>
    new ArmError(400, "BadRequest", "Failed to list key. disableLocalAuth is set to be true"),
  customDomainInUse: (name: string) =>
    new ArmError(
      409,
      "CustomDomainInUse",
      `The subdomain name '${name}' is not available as it's already used by a resource.`,
    ),
  invalidKeyName: () =>
    new ArmError(
      400,
      "InvalidRequestContent",
      "The request content was invalid: 'keyName' must be 'Key1' or 'Key2'.",
    ),
  invalidProperty: (detail: string) =>
    new ArmError(400, "InvalidRequestContent", `The request content was invalid: ${detail}`),
};

/** Keyless.Audit's own errors. */
export const auditErrors = {
  invalidScope: (scope: string) =>
    new ArmError(400, "InvalidScope", `The scope '${scope}' is not valid.`),
  invalidQueryParameter: (name: string, value: string, expected: string) =>
    new ArmError(
      400,
      "InvalidQueryParameterValue",
      `The value '${value}' of query parameter '${name}' is not valid: ${expected}`,
    ),
};
