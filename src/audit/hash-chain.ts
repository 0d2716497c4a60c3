import { hash } from "node:crypto";
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
 * left out. Anything else an object happens to carry is neither hashed nor stored.
 */
export function chainedEntry(entry: AuditEntry): AuditEntry {
  const chained: Record<string, unknown> = {};
  for (const key of ENTRY_KEYS) {
    const value = entry[key];
    if (value === undefined) continue;
    chained[key] = key === "principal" ? definedFields(value as object, PRINCIPAL_KEYS) : value;
  }
  return chained as unknown as AuditEntry;
}

/** A copy with only `keys`, and only those that are defined. */
function definedFields(value: object, keys: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) copy[key] = field;
  }
  return copy;
}

/**
 * SHA-256 (hex) over the previous hash followed by the entry's canonical JSON. `prevHash` is
 * always 64 hex characters, so the concatenation is unambiguous. A record may be passed as the
 * entry: only the entry's fields count.
 */
export function chainHash(prevHash: string, entry: AuditEntry): string {
  return linkHash(prevHash, chainedEntry(entry));
}

/** `chainHash` of an entry `chainedEntry` has already copied. */
function linkHash(prevHash: string, chained: AuditEntry): string {
  return hash("sha256", prevHash + JSON.stringify(chained), "hex");
}

/** `AuditEntry`'s fields, and its principal's, in code-point order: canonicalJson's order. */
const ENTRY_KEYS = [
  "accountId",
  "at",
  "authMethod",
  "clientAddress",
  "completionTokens",
  "dataAction",
  "decidedBy",
  "decision",
  "deploymentId",
  "latencyMs",
  "operation",
  "principal",
  "promptTokens",
  "requestId",
  "status",
  "tenantId",
] as const;
const PRINCIPAL_KEYS = ["appId", "displayName", "objectId", "type"] as const;

/**
 * `canonicalJson(chainedEntry(entry))`, computed the fast way: `chainedEntry` copies the defined
 * fields in code-point order, so the engine's own `JSON.stringify` writes the canonical bytes.
 * The chain is computed for every request a gateway serves.
 */
export function entryJson(entry: AuditEntry): string {
  return JSON.stringify(chainedEntry(entry));
}

/** The records that follow `tail`: consecutive seqs, each linked to the one before. */
export const extendChain: ExtendChain = (tail, entries) => {
  let seq = tail?.seq ?? 0;
  let prevHash = tail?.hash ?? GENESIS_HASH;
  return entries.map((entry) => {
    // The hash covers only the entry's declared fields, as the record keeps them.
    const record = chainedEntry(entry) as AuditRecord;
    const recordHash = linkHash(prevHash, record);
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
