import { OAuthError } from "./oauth-error.js";

/** The token service's error catalogue, in Entra's words. */
export const oauthErrors = {
  missingParameter: (name: string) =>
    new OAuthError(
      400,
      "invalid_request",
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  malformedRequest: (detail: string) => new OAuthError(400, "invalid_request", 900144, detail),
  unsupportedGrantType: (grantType: string) =>
    new OAuthError(
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    ),
  /** Entra's token endpoints call an unknown tenant `invalid_request`, its discovery documents `invalid_tenant`. */
  tenantNotFound: (
    tenant: string,
    error: "invalid_request" | "invalid_tenant" = "invalid_request",
  ) =>
    new OAuthError(
      400,
      error,
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  applicationNotFound: (appId: string, tenant: string) =>
    new OAuthError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${appId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  applicationDisabled: (appId: string, displayName: string) =>
    new OAuthError(
      400,
      "unauthorized_client",
      7000112,
      `Application '${appId}'(${displayName}) is disabled.`,
    ),
  missingClientCredential: () =>
    new OAuthError(
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  invalidClientSecret: (appId: string) =>
    new OAuthError(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  expiredClientSecret: (appId: string) =>
    new OAuthError(
      401,
      "invalid_client",
      7000222,
      `The provided client secret keys for app '${appId}' are expired.`,
    ),
  publicClientCredential: () =>
    new OAuthError(
      401,
      "invalid_client",
      700025,
      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    ),
  malformedAssertion: () =>
    new OAuthError(400, "invalid_request", 50027, "JWT token is invalid or malformed."),
  unsupportedAssertionType: (type: string) =>
    new OAuthError(
      400,
      "invalid_request",
      50027,
      `Client assertion type '${type}' is not supported: use 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.`,
    ),
  certificateNotRegistered: () =>
    new OAuthError(
      401,
      "invalid_client",
      700027,
      "The certificate with identifier used to sign the client assertion is not registered on application.",
    ),
  assertionSignatureInvalid: () =>
    new OAuthError(401, "invalid_client", 700027, "Client assertion failed signature validation."),
  assertionTimeInvalid: () =>
    new OAuthError(
      401,
      "invalid_client",
      700024,
      "Client assertion is not within its valid time range.",
    ),
  assertionAudienceInvalid: (audience: string) =>
    new OAuthError(
      401,
      "invalid_client",
      700212,
      `The audience '${audience}' of the client assertion is not this tenant's token endpoint.`,
    ),
  assertionClientMismatch: () =>
    new OAuthError(
      401,
      "invalid_client",
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
    ),
  federatedAssertionInvalid: (reason: string) =>
    new OAuthError(
      400,
      "invalid_client",
      700222,
      `The federated assertion could not be validated: ${reason}.`,
    ),
  noMatchingFederatedCredential: (issuer: string, subject: string, audience: string) =>
    new OAuthError(
      400,
      "invalid_request",
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audience}'.`,
    ),
  invalidUserCredentials: () =>
    new OAuthError(
      400,
      "invalid_grant",
      50126,
      "Error validating credentials due to invalid username or password.",
    ),
  userDisabled: () => new OAuthError(400, "invalid_grant", 50057, "The user account is disabled."),
  missingScope: () =>
    new OAuthError(
      400,
      "invalid_scope",
      70011,
      "The provided request must include a 'scope' input parameter.",
    ),
  scopeNotDefault: (scope: string) =>
    new OAuthError(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  invalidScope: (scope: string) =>
    new OAuthError(
      400,
      "invalid_scope",
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
    ),
  resourceNotFound: (resource: string, tenant: string) =>
    new OAuthError(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  throttled: (retryAfter: number) =>
    new OAuthError(
      429,
      "temporarily_unavailable",
      50053,
      `Too many failed authentication attempts for this client, user or address. Try again in ${retryAfter} seconds.`,
      retryAfter,
    ),
};
