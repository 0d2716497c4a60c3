import type { AuditEntry, AuthMethod } from "../audit/index.js";

/** An audit entry as a flat array of its fields, in `unpackAuditEntry`'s order. */
export type PackedAuditEntry = readonly unknown[];

/**
 * Entries cross to the writer thread as arrays: copying an object writes every key name beside
 * its value, and the keys were most of the work of handing a batch over.
 */
export function packAuditEntry(entry: AuditEntry): PackedAuditEntry {
  const { principal } = entry;
  return [
    entry.at,
    entry.requestId,
    entry.tenantId,
    principal?.objectId,
    principal?.type,
    principal?.appId,
    principal?.displayName,
    entry.authMethod,
    entry.clientAddress,
    entry.accountId,
    entry.deploymentId,
    entry.operation,
    entry.dataAction,
    entry.decision,
    entry.decidedBy,
    entry.status,
    entry.latencyMs,
    entry.promptTokens,
    entry.completionTokens,
  ];
}

/** The entry `packAuditEntry` packed, its undefined fields left out. */
export function unpackAuditEntry(packed: PackedAuditEntry): AuditEntry {
  const entry: Record<string, unknown> = {
    at: packed[0],
    requestId: packed[1],
    authMethod: packed[7] as AuthMethod,
    clientAddress: packed[8],
    operation: packed[11],
    decision: packed[13],
    status: packed[15],
    latencyMs: packed[16],
  };
  setDefined(entry, "tenantId", packed[2]);
  if (packed[3] !== undefined) {
    const principal: Record<string, unknown> = { objectId: packed[3], type: packed[4] };
    setDefined(principal, "appId", packed[5]);
    setDefined(principal, "displayName", packed[6]);
    entry.principal = principal;
  }
  setDefined(entry, "accountId", packed[9]);
  setDefined(entry, "deploymentId", packed[10]);
  setDefined(entry, "dataAction", packed[12]);
  setDefined(entry, "decidedBy", packed[14]);
  setDefined(entry, "promptTokens", packed[17]);
  setDefined(entry, "completionTokens", packed[18]);
  return entry as unknown as AuditEntry;
}

function setDefined(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}
