/**
 * The data plane's error catalogue: Azure's status codes, codes and words
 * (`contract/README.md` decision 2), rendered as `{"error":{"code","message"}}`.
 */

export class DataPlaneError extends Error {
  override name = "DataPlaneError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Audiences the error names, as Azure's message does. */
const DATA_AUDIENCE = "https://cognitiveservices.azure.com";

export const dataPlaneErrors = {
  missingCredentials: () =>
    new DataPlaneError(
      401,
      "401",
      "Access denied due to missing subscription key or access token. Make sure to include a key or a bearer token when making requests to an API.",
    ),
  invalidKey: () =>
    new DataPlaneError(
      401,
      "401",
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    ),
  /** `reason` names the precise failure in the challenge, never in the body. */
  invalidToken: (reason: string) =>
    new DataPlaneError(
      401,
      "Unauthorized",
      `Unauthorized. Access token is missing, invalid, audience is incorrect (${DATA_AUDIENCE}), or have expired.`,
      { "www-authenticate": `Bearer error="invalid_token", error_description="${reason}"` },
    ),
  permissionDenied: (principalId: string, dataAction: string, operation: string) =>
    new DataPlaneError(
      401,
      "PermissionDenied",
      `The principal \`${principalId}\` lacks the required data action \`${dataAction}\` to perform \`${operation}\` operation.`,
    ),
  localAuthDisabled: () =>
    new DataPlaneError(
      403,
      "AuthenticationTypeDisabled",
      "Key based authentication is disabled for this resource.",
    ),
  publicAccessDisabled: () =>
    new DataPlaneError(
      403,
      "Forbidden",
      "Public access is disabled. Please configure private endpoint.",
    ),
  firewallDenied: () =>
    new DataPlaneError(403, "Forbidden", "Access denied due to Virtual Network/Firewall rules."),
  resourceNotFound: () => new DataPlaneError(404, "404", "Resource not found"),
  deploymentNotFound: () =>
    new DataPlaneError(
      404,
      "DeploymentNotFound",
      "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
    ),
  badRequest: (message: string) => new DataPlaneError(400, "BadRequest", message),
  upstreamUnavailable: (kind: string) =>
    new DataPlaneError(
      502,
      "BadGateway",
      `The deployment's upstream kind '${kind}' is not available.`,
    ),
};
