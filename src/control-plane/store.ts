/** What the control plane stores: ARM resources as documents, addressed by their ARM id. */
export interface ArmResourceRecord {
  /** The ARM id in its canonical casing, e.g. `/subscriptions/s/resourceGroups/g`. */
  id: string;
  /** e.g. `Microsoft.Resources/resourceGroups`, `Microsoft.CognitiveServices/accounts`. */
  type: string;
  name: string;
  /** The id of the resource it lives in (`/subscriptions/s` for a resource group). */
  parentId: string;
  /** The ARM body without `id`, `name` and `type` (location, kind, sku, properties, …). */
  body: Record<string, unknown>;
  etag: string;
  createdAt: number;
  updatedAt: number;
  createdBy?: string;
  updatedBy?: string;
}

export interface ArmResourceStore {
  /** By id, case-insensitively. */
  getResource(id: string): Promise<ArmResourceRecord | undefined>;
  /** Inserts or replaces; returns whether it was created. */
  putResource(record: ArmResourceRecord): Promise<boolean>;
  /** Deletes the resource and everything below it; returns whether it existed. */
  deleteResource(id: string): Promise<boolean>;
  /** Direct children of `parentId` of `type`, case-insensitively, in creation order. */
  listChildren(parentId: string, type: string): Promise<ArmResourceRecord[]>;
  /** Every resource of `type` whose id starts with `idPrefix` (e.g. a subscription). */
  listByType(type: string, idPrefix: string): Promise<ArmResourceRecord[]>;
}

/** An account's two keys, sealed (encrypted) with the master key. */
export interface SealedAccountKeys {
  key1: string;
  key2: string;
}

export interface AccountKeyStore {
  getAccountKeys(accountId: string): Promise<SealedAccountKeys | undefined>;
  /** Replaces both keys; every replica hears of it through the change feed (`accountKey`). */
  putAccountKeys(accountId: string, keys: SealedAccountKeys): Promise<void>;
  deleteAccountKeys(accountId: string): Promise<void>;
}

/** One control-plane write, as the activity log keeps it. */
export interface ActivityLogEntry {
  at: number;
  correlationId: string;
  callerObjectId?: string;
  callerName?: string;
  /** The operation id, e.g. `Accounts_Create`. */
  operation: string;
  method: string;
  resourceId: string;
  status: number;
  errorCode?: string;
}

export interface ActivityLogStore {
  appendActivity(entry: ActivityLogEntry): Promise<void>;
  /** Newest first. */
  listActivity(limit: number): Promise<ActivityLogEntry[]>;
}
