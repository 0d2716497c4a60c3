import type { AccessTokenVerifier, Principal } from "../identity/index.js";
import type { ArmError } from "./arm-error.js";
import { armErrors } from "./errors.js";

/** Who is calling the control plane, as authorization and the activity log need it. */
export interface ArmCaller {
  principal: Principal;
  objectId: string;
  tenantId: string;
  /** What ARM names in AuthorizationFailed: the UPN of a user, the app id of an application. */
  clientName: string;
  claims: Record<string, unknown>;
}

export interface ArmAuthenticator {
  authenticate(authorization: string | undefined): Promise<ArmCaller>;
}

/**
 * Verifies the bearer token of an ARM request. Audiences: Keyless's own origins (what the
 * official ARM clients request when given `endpoint`) and Azure's ARM audiences.
 */
export function armAuthenticator(
  verifier: AccessTokenVerifier,
  ownOrigins: () => readonly string[],
  nowSeconds: () => number,
): ArmAuthenticator {
  return {
    async authenticate(authorization) {
      if (!authorization) throw armErrors.missingAuthorization();
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) throw armErrors.malformedAuthorization();
      const own = ownOrigins();
      const result = await verifier.verify(match[1]!, { audiences: [...ARM_AUDIENCES, ...own] });
      if (!result.ok) throw rejection(result.reason, result.claims, own, nowSeconds());
      const { claims, principal } = result;
      const clientName = String(
        claims.upn ?? claims.unique_name ?? claims.appid ?? claims.azp ?? principal.id,
      );
      return {
        principal,
        objectId: principal.id,
        tenantId: principal.tenantId,
        clientName,
        claims,
      };
    },
  };
}

const ARM_AUDIENCES = ["https://management.azure.com", "https://management.core.windows.net"];

function rejection(
  reason: string,
  claims: Record<string, unknown> | undefined,
  own: readonly string[],
  now: number,
): ArmError {
  switch (reason) {
    case "wrong_audience":
      return armErrors.wrongAudience(String(claims?.aud ?? ""), own);
    case "expired":
      return armErrors.expiredToken(Number(claims?.exp ?? 0), now);
    default:
      return armErrors.invalidToken();
  }
}
