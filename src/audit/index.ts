/** The audit log of data-plane requests: what other parts may import. */
export type * from "./model.js";
export type { AuditQuery, AuditStore } from "./store.js";
export {
  GENESIS_HASH,
  canonicalJson,
  chainHash,
  extendChain,
  verifyAuditChain,
  type ChainTail,
  type ChainVerdict,
  type ExtendChain,
} from "./hash-chain.js";
export {
  AuditLog,
  AUDIT_BATCH_SIZE,
  AUDIT_FLUSH_INTERVAL_MS,
  type AuditErrorLog,
  type AuditLogCounters,
  type AuditLogOptions,
} from "./audit-log.js";
