import type { AuditQuery, AuditRecord, AuthMethod } from "../../audit/index.js";
import { normalizeScope } from "../../authz/index.js";
import type { ArmContext, ArmOperation, ArmResult } from "../arm-operation.js";
import type { ControlPlaneDeps } from "../control-plane-deps.js";
import { auditErrors } from "../errors.js";

type Operation = ArmOperation<ControlPlaneDeps>;

export const AUDIT_RECORDS_TYPE = "Keyless.Audit/records";
const API_VERSIONS = ["2025-01-01"];
const DEFAULT_TOP = 100;
const MAX_TOP = 1000;
const AUTH_METHODS: readonly AuthMethod[] = ["token", "key1", "key2", "none"];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A date, or a date and time with an optional offset (none means UTC). */
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/** The scope as the caller spelled it (slashes collapsed), once it is known to be valid. */
function requestedScope(context: ArmContext): string {
  const raw = context.params.scope ?? "/";
  try {
    normalizeScope(raw);
  } catch {
    throw auditErrors.invalidScope(raw);
  }
  return "/" + raw.split("/").filter(Boolean).join("/");
}

/** One query parameter; a repeated one is refused rather than guessed at. */
function param(context: ArmContext, name: string): string | undefined {
  const value: unknown = context.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw auditErrors.invalidQueryParameter(name, String(value), "give it once.");
  return value;
}

function integerParam(context: ArmContext, name: string, min: number, max: number) {
  const value = param(context, name);
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw auditErrors.invalidQueryParameter(name, value, `an integer from ${min} to ${max}.`);
  }
  return number;
}

function timeParam(context: ArmContext, name: string): number | undefined {
  const value = param(context, name);
  if (value === undefined) return undefined;
  const match = ISO_8601.exec(value);
  const time = match ? Date.parse(value.includes("T") && !match[1] ? `${value}Z` : value) : NaN;
  if (Number.isNaN(time)) {
    throw auditErrors.invalidQueryParameter(name, value, "an ISO 8601 date or date and time.");
  }
  return time;
}

/** The query the parameters ask for; `top` one more than the page, to tell whether more exist. */
function readQuery(context: ArmContext): AuditQuery {
  const principalId = param(context, "principalId");
  if (principalId !== undefined && !GUID.test(principalId))
    throw auditErrors.invalidQueryParameter("principalId", principalId, "an object id (a GUID).");
  const authMethod = param(context, "authMethod");
  if (authMethod !== undefined && !AUTH_METHODS.includes(authMethod as AuthMethod)) {
    throw auditErrors.invalidQueryParameter(
      "authMethod",
      authMethod,
      `one of ${AUTH_METHODS.join(", ")}.`,
    );
  }
  const from = timeParam(context, "from");
  const to = timeParam(context, "to");
  if (from !== undefined && to !== undefined && from > to)
    throw auditErrors.invalidQueryParameter("to", param(context, "to")!, "a time after 'from'.");
  return {
    principalId: principalId?.toLowerCase(),
    authMethod: authMethod as AuthMethod | undefined,
    scope: normalizeScope(requestedScope(context)),
    from,
    to,
    top: (integerParam(context, "$top", 1, MAX_TOP) ?? DEFAULT_TOP) + 1,
    beforeSeq: integerParam(context, "$skipToken", 1, Number.MAX_SAFE_INTEGER),
  };
}

function recordBody(record: AuditRecord) {
  return {
    seq: record.seq,
    time: new Date(record.at).toISOString(),
    requestId: record.requestId,
    tenantId: record.tenantId,
    principal: record.principal && {
      objectId: record.principal.objectId,
      type: record.principal.type,
      appId: record.principal.appId,
      displayName: record.principal.displayName,
    },
    authMethod: record.authMethod,
    clientAddress: record.clientAddress,
    accountId: record.accountId,
    deploymentId: record.deploymentId,
    operation: record.operation,
    dataAction: record.dataAction,
    decision: record.decision,
    decidedBy: record.decidedBy,
    status: record.status,
    latencyMs: record.latencyMs,
    promptTokens: record.promptTokens,
    completionTokens: record.completionTokens,
    prevHash: record.prevHash,
    hash: record.hash,
  };
}

/** This request again, with `$skipToken` moved past the page just served. */
function nextLink(context: ArmContext, lastSeq: number): string {
  const query = { ...context.query, $skipToken: String(lastSeq) };
  const search = Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join("&")
    .replace(/%24/g, "$");
  const scope = requestedScope(context);
  return `${context.origin}${scope === "/" ? "" : scope}/providers/Keyless.Audit/records?${search}`;
}

async function listRecords(context: ArmContext, deps: ControlPlaneDeps): Promise<ArmResult> {
  const query = readQuery(context);
  const found = await deps.audit.queryAudit(query);
  const page = found.slice(0, query.top - 1);
  const more = found.length > page.length;
  return {
    status: 200,
    body: {
      value: page.map(recordBody),
      ...(more ? { nextLink: nextLink(context, page[page.length - 1]!.seq) } : {}),
    },
  };
}

/**
 * Keyless.Audit: the data-plane audit log, newest first, at any scope. A record belongs to the
 * scope its account is at or below; reading needs `Keyless.Audit/records/read` there, which
 * Owner, Contributor and Reader hold through their wildcards and data roles do not.
 */
export const keylessAudit: Operation[] = [
  {
    id: "AuditRecords_List",
    method: "GET",
    path: "/{scope}/providers/Keyless.Audit/records",
    resourceType: AUDIT_RECORDS_TYPE,
    apiVersions: API_VERSIONS,
    permission: (context) => ({
      action: "Keyless.Audit/records/read",
      scope: requestedScope(context),
    }),
    handle: listRecords,
  },
];
