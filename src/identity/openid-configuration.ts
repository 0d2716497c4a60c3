import { issuerV1, issuerV2 } from "./origins.js";
import type { Tenant } from "./model.js";

/**
 * The discovery document for a tenant segment, built on the origin the client used (MSAL
 * rejects an issuer on another host). Endpoints keep the segment the client used, `adfs`
 * included; the issuer names the real tenant.
 */
export function openIdConfiguration(
  origin: string,
  segment: string,
  tenant: Tenant,
  version: 1 | 2,
) {
  const base = `${origin}/${segment}`;
  const v = version === 2 ? "/v2.0" : "";
  return {
    token_endpoint: `${base}/oauth2${v}/token`,
    token_endpoint_auth_methods_supported: [
      "client_secret_post",
      "private_key_jwt",
      "client_secret_basic",
    ],
    jwks_uri: `${base}/discovery${v}/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: version === 2 ? issuerV2(origin, tenant.id) : issuerV1(origin, tenant.id),
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2${v}/authorize`,
    device_authorization_endpoint: `${base}/oauth2${v}/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2${v}/logout`,
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    grant_types_supported: ["client_credentials", "password"],
    tenant_region_scope: null,
    cloud_instance_name: "keyless",
    cloud_graph_host_name: "graph.keyless",
    msgraph_host: "graph.keyless",
  };
}
