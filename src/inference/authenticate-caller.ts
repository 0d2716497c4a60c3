import type { AccessTokenVerifier, Principal } from "../identity/index.js";
import type { AccountCatalog, KeySlot } from "./account-catalog.js";
import { dataPlaneErrors } from "./errors.js";
import type { AccountView } from "./model.js";
import type { VerifiedCallers } from "./verified-callers.js";

/** A verified token's principal. */
export interface TokenCaller {
  method: "token";
  principal: Principal;
  claims: Record<string, unknown>;
  /** Every group the principal is in, transitively (lowercase ids). */
  groupIds: readonly string[];
}

/** Who is calling: a key slot (which names no principal) or a verified token's principal. */
export type DataPlaneCaller = { method: KeySlot } | TokenCaller;

/** The data plane's token audiences (`contract/README.md` decision 4), any trailing `/`. */
export const DATA_PLANE_AUDIENCES = [
  "https://cognitiveservices.azure.com",
  "https://ai.azure.com",
  "https://ml.azure.com",
];

export interface CallerAuthenticatorDeps {
  verifier: AccessTokenVerifier;
  catalog: Pick<AccountCatalog, "matchKey">;
  groupsOf(principalId: string): Promise<string[]>;
  /** Token callers verified before, kept current by the directory's generation. */
  callers: VerifiedCallers;
}

type Headers = Record<string, string | string[] | undefined>;

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** A compact JWS: three base64url parts. Anything else in a bearer header is a key. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * Authenticates a data-plane call: the `api-key` (or `Ocp-Apim-Subscription-Key`) header first,
 * then `Authorization: Bearer` — a JWT is verified for a data-plane audience, any other value is
 * a key (`@azure-rest/ai-inference` sends its key both ways). Keys are refused outright while
 * the account has `disableLocalAuth`, without being compared. A key or a remembered token is
 * answered at once, without a promise (most of a gateway's calls); only a token not seen before
 * is verified asynchronously. Refusals are thrown, or reject that promise.
 */
export function authenticateCaller(
  headers: Headers,
  account: AccountView,
  deps: CallerAuthenticatorDeps,
): DataPlaneCaller | Promise<DataPlaneCaller> {
  const key = single(headers["api-key"]) ?? single(headers["ocp-apim-subscription-key"]);
  if (key !== undefined) return checkKey(key, account, deps);
  const authorization = single(headers.authorization);
  if (authorization === undefined) throw dataPlaneErrors.missingCredentials();
  const known = deps.callers.get(authorization);
  if (known) return known;
  const bearer = BEARER.exec(authorization)?.[1];
  if (bearer === undefined) throw dataPlaneErrors.invalidToken("malformed");
  if (!JWT_SHAPE.test(bearer)) return checkKey(bearer, account, deps);
  return verifyToken(bearer, authorization, deps);
}

/** A token not remembered: verified, its principal's groups read, and remembered. */
async function verifyToken(
  bearer: string,
  authorization: string,
  deps: CallerAuthenticatorDeps,
): Promise<TokenCaller> {
  const generation = deps.callers.generation();
  const result = await deps.verifier.verify(bearer, { audiences: DATA_PLANE_AUDIENCES });
  if (!result.ok) throw dataPlaneErrors.invalidToken(result.reason);
  const caller: TokenCaller = {
    method: "token",
    principal: result.principal,
    claims: result.claims,
    groupIds: await deps.groupsOf(result.principal.id),
  };
  deps.callers.remember(authorization, caller, generation);
  return caller;
}

function checkKey(
  presented: string,
  account: AccountView,
  deps: CallerAuthenticatorDeps,
): DataPlaneCaller {
  if (account.disableLocalAuth) throw dataPlaneErrors.localAuthDisabled();
  const slot = deps.catalog.matchKey(account, presented);
  if (!slot) throw dataPlaneErrors.invalidKey();
  return { method: slot };
}

/** A header sent twice is ambiguous: treat it as absent rather than pick one. */
const single = (value: string | string[] | undefined): string | undefined =>
  typeof value === "string" ? value : undefined;
