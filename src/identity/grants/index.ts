import { clientCredentialsGrant } from "./client-credentials.js";
import type { Grant } from "./grant.js";
import { passwordGrant } from "./password.js";

/** Grant types the token endpoints serve, by `grant_type`. */
export const grants: ReadonlyMap<string, Grant> = new Map(
  [clientCredentialsGrant, passwordGrant].map((grant) => [grant.grantType, grant]),
);

export type { Grant, GrantContext, GrantResult } from "./grant.js";
