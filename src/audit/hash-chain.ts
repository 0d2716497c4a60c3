import { hash } from "node:crypto";
import { sameValues } from "../kernel/index.js";
import type { AuditEntry, AuditRecord } from "./model.js";

/** The `prevHash` of the first record: there is nothing before it. */
export const GENESIS_HASH = "0".repeat(64);

export type ChainVerdict = { ok: true } | { ok: false; seq: number; reason: string };

/** The newest stored record's place and hash: where the next append links on. */
export interface ChainTail {
  seq: number;
  hash: string;
}

/** Turns entries into the records that follow `tail` (undefined: the log is empty). */
export type ExtendChain = (
  tail: ChainTail | undefined,
  entries: readonly AuditEntry[],
) => AuditRecord[];

/**
 * JSON with object keys in code-point order and undefined fields left out, so the same entry
 * always yields the same bytes, whichever order its fields were set in or read back from SQL.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const fields = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The entry exactly as the chain covers it: the fields `AuditEntry` declares, undefined ones
 * left out, in code-point order (canonicalJson's). Anything else an object happens to carry is
 * neither hashed nor stored. Written out field by field: the writer copies every record.
 */
export function chainedEntry(entry: AuditEntry): AuditEntry {
  const chained: Record<string, unknown> = {};
  if (entry.accountId !== undefined) chained.accountId = entry.accountId;
  if (entry.at !== undefined) chained.at = entry.at;
  if (entry.authMethod !== undefined) chained.authMethod = entry.authMethod;
  if (entry.clientAddress !== undefined) chained.clientAddress = entry.clientAddress;
  if (entry.completionTokens !== undefined) chained.completionTokens = entry.completionTokens;
  if (entry.dataAction !== undefined) chained.dataAction = entry.dataAction;
  if (entry.decidedBy !== undefined) chained.decidedBy = entry.decidedBy;
  if (entry.decision !== undefined) chained.decision = entry.decision;
  if (entry.deploymentId !== undefined) chained.deploymentId = entry.deploymentId;
  if (entry.latencyMs !== undefined) chained.latencyMs = entry.latencyMs;
  if (entry.operation !== undefined) chained.operation = entry.operation;
  const { principal } = entry;
  if (principal !== undefined) {
    const copy: Record<string, unknown> = {};
    if (principal.appId !== undefined) copy.appId = principal.appId;
    if (principal.displayName !== undefined) copy.displayName = principal.displayName;
    if (principal.objectId !== undefined) copy.objectId = principal.objectId;
    if (principal.type !== undefined) copy.type = principal.type;
    chained.principal = copy;
  }
  if (entry.promptTokens !== undefined) chained.promptTokens = entry.promptTokens;
  if (entry.requestId !== undefined) chained.requestId = entry.requestId;
  if (entry.status !== undefined) chained.status = entry.status;
  if (entry.tenantId !== undefined) chained.tenantId = entry.tenantId;
  return chained as unknown as AuditEntry;
}

/**
 * SHA-256 (hex) over the previous hash followed by the entry's canonical JSON. `prevHash` is
 * always 64 hex characters, so the concatenation is unambiguous. A record may be passed as the
 * entry: only the entry's fields count.
 */
export function chainHash(prevHash: string, entry: AuditEntry): string {
  return hash("sha256", prevHash + entryJson(entry), "hex");
}

/** `,"name":value`, or nothing for an undefined value: one field of the canonical JSON. */
function field(name: string, value: unknown): string {
  // `name` is one of the entry's own field names: nothing in it needs escaping.
  return value === undefined ? "" : `,"${name}":${JSON.stringify(value)}`;
}

/**
 * What a caller repeats on every request, as canonical JSON pieces: everything but the fields
 * that vary per request (time, request id, address, auth method, status, latency, tokens).
 * Those repeated strings (ARM ids, actions) are most of a record's JSON, so they are written
 * once per caller rather than once per record.
 */
class SubjectJson {
  /** The fields the pieces were written from, compared to tell whether they still fit. */
  readonly key: readonly unknown[];
  /**
   * In the canonical order they fall before `at`, between `completionTokens` and `latencyMs`,
   * between `latencyMs` and `promptTokens`, and after `status`.
   */
  readonly pieces: readonly [string, string, string, string];

  constructor(entry: AuditEntry) {
    this.key = SubjectJson.keyOf(entry);
    const { principal } = entry;
    this.pieces = [
      field("accountId", entry.accountId),
      field("dataAction", entry.dataAction) +
        field("decidedBy", entry.decidedBy) +
        field("decision", entry.decision) +
        field("deploymentId", entry.deploymentId),
      field("operation", entry.operation) +
        (principal === undefined
          ? ""
          : `,"principal":{${(
              field("appId", principal.appId) +
              field("displayName", principal.displayName) +
              field("objectId", principal.objectId) +
              field("type", principal.type)
            ).slice(1)}}`),
      field("tenantId", entry.tenantId),
    ];
  }

  fits(entry: AuditEntry): boolean {
    return sameValues(SubjectJson.keyOf(entry), this.key);
  }

  private static keyOf(entry: AuditEntry): unknown[] {
    const { principal } = entry;
    return [
      entry.accountId,
      entry.dataAction,
      entry.decidedBy,
      entry.decision,
      entry.deploymentId,
      entry.operation,
      entry.tenantId,
      principal === undefined,
      principal?.appId,
      principal?.displayName,
      principal?.objectId,
      principal?.type,
    ];
  }
}

/** The subject pieces last written: consecutive records mostly share their caller. */
let lastSubject: SubjectJson | undefined;

/**
 * `canonicalJson(chainedEntry(entry))`, computed the fast way: the fields in code-point order,
 * written one by one, with the pieces a caller repeats written once (`SubjectJson`). The chain
 * is computed for every request a gateway serves.
 */
export function entryJson(entry: AuditEntry): string {
  let subject = lastSubject;
  if (!subject?.fits(entry)) lastSubject = subject = new SubjectJson(entry);
  const [beforeAt, beforeLatency, beforePrompt, afterStatus] = subject.pieces;
  const fields =
    beforeAt +
    field("at", entry.at) +
    field("authMethod", entry.authMethod) +
    field("clientAddress", entry.clientAddress) +
    field("completionTokens", entry.completionTokens) +
    beforeLatency +
    field("latencyMs", entry.latencyMs) +
    beforePrompt +
    field("promptTokens", entry.promptTokens) +
    field("requestId", entry.requestId) +
    field("status", entry.status) +
    afterStatus;
  return `{${fields.slice(1)}}`;
}

/** The records that follow `tail`: consecutive seqs, each linked to the one before. */
export const extendChain: ExtendChain = (tail, entries) => {
  let seq = tail?.seq ?? 0;
  let prevHash = tail?.hash ?? GENESIS_HASH;
  return entries.map((entry) => {
    // The hash covers only the entry's declared fields, as the record keeps them.
    const record = chainedEntry(entry) as AuditRecord;
    const recordHash = chainHash(prevHash, record);
    record.seq = ++seq;
    record.prevHash = prevHash;
    record.hash = recordHash;
    prevHash = recordHash;
    return record;
  });
};

const missing = (first: number, last: number) =>
  first === last ? `record ${first} is missing` : `records ${first} to ${last} are missing`;

/**
 * Checks consecutive records, oldest first, from `prevHash` (the genesis hash when the first
 * record is the log's first). Finds an edited record (its hash no longer matches its content),
 * a removed one (a gap in seq, or a `prevHash` naming a record that is not the one before it)
 * and a reordered one (seq out of order, or the links no longer meet).
 */
export function verifyAuditChain(
  records: readonly AuditRecord[],
  prevHash: string = GENESIS_HASH,
): ChainVerdict {
  let expected = prevHash;
  let previousSeq: number | undefined;
  for (const record of records) {
    const { seq } = record;
    if (previousSeq !== undefined && seq !== previousSeq + 1) {
      return {
        ok: false,
        seq,
        reason:
          seq > previousSeq
            ? missing(previousSeq + 1, seq - 1)
            : `it follows record ${previousSeq}`,
      };
    }
    if (record.prevHash !== expected) {
      return { ok: false, seq, reason: "its prevHash is not the previous record's hash" };
    }
    if (chainHash(record.prevHash, record) !== record.hash) {
      return { ok: false, seq, reason: "its hash does not match its content" };
    }
    expected = record.hash;
    previousSeq = seq;
  }
  return { ok: true };
}
