import type { Clock } from "../../kernel/index.js";
import type { Directory } from "../directory.js";
import type { Application, ServicePrincipal, Tenant } from "../model.js";
import type { Origins } from "../origins.js";
import type { Resource } from "../resources.js";
import type { ClientProof, TokenSubject } from "../token-issuer.js";

/** A token request after tenant resolution, as every grant sees it. */
export interface GrantContext {
  tenant: Tenant;
  /** 1 for `/oauth2/token` (`resource=`), 2 for `/oauth2/v2.0/token` (`scope=`). */
  endpointVersion: 1 | 2;
  params: Record<string, string>;
  directory: Directory;
  origins: Origins;
  clock: Clock;
  /** Authenticates the confidential client the request names (secret or assertion). */
  authenticateClient(): Promise<{
    application: Application;
    servicePrincipal: ServicePrincipal;
    proof: ClientProof;
  }>;
}

export interface GrantResult {
  subject: TokenSubject;
  resource: Resource;
  /** Granted scopes, echoed in the response (user flows). */
  scope?: string;
  withIdToken?: boolean;
}

/** One OAuth grant type. Registered by its `grant_type` in `index.ts`. */
export interface Grant {
  readonly grantType: string;
  handle(context: GrantContext): Promise<GrantResult>;
}
