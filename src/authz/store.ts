import type { RoleAssignment, RoleDefinition } from "./model.js";

/**
 * What RBAC needs from storage, in its own terms. Built-in roles are not stored (they ship
 * with Keyless); only custom roles and assignments are.
 *
 * Every write appends a change row to the `ChangeFeed` in the same transaction, so another
 * replica that polls the feed sees the write and its change together or neither. Writes through
 * this store (and through `transaction`) are serialised across replicas: a check made inside
 * `transaction` (e.g. "no assignment uses this role") still holds when it commits.
 */
export interface AuthzStore {
  /** Runs `work` against a store whose writes commit together (with their change rows) or not at all. */
  transaction<T>(work: (store: AuthzStore) => Promise<T>): Promise<T>;

  listCustomRoleDefinitions(): Promise<RoleDefinition[]>;
  /** By GUID, case-insensitively. */
  getCustomRoleDefinition(id: string): Promise<RoleDefinition | undefined>;
  /**
   * Inserts or replaces the role. `createdOn`/`createdBy` are kept from the first put: a later
   * put changes everything else.
   */
  putCustomRoleDefinition(role: RoleDefinition): Promise<void>;
  /** Whether there was a role to delete. */
  deleteCustomRoleDefinition(id: string): Promise<boolean>;

  /** Every assignment, to load the authorization index. */
  listRoleAssignments(): Promise<RoleAssignment[]>;
  /** By name (GUID), case-insensitively. */
  getRoleAssignment(name: string): Promise<RoleAssignment | undefined>;
  /**
   * Stores a new assignment. `name`, `scope`, `roleDefinitionId` and `principalId` are stored
   * lowercase. Throws `DuplicateKeyError` when the name is taken and `DuplicateAssignmentError`
   * (naming the existing one) when the principal already holds the role at the scope.
   */
  insertRoleAssignment(assignment: RoleAssignment): Promise<void>;
  /**
   * Rewrites the mutable fields (principalType, description, condition, conditionVersion,
   * updatedOn, updatedBy). Scope, role and principal are the assignment's identity, which Azure
   * refuses to change: false when no assignment has this name with this scope, role and principal.
   */
  updateRoleAssignment(assignment: RoleAssignment): Promise<boolean>;
  /** The deleted assignment, or undefined when there was none. */
  deleteRoleAssignment(name: string): Promise<RoleAssignment | undefined>;
}

/** What changed: the kind of authorization fact and its key (assignment name, role id, …). */
export interface Change {
  /** Increases with every change; a reader that has seen `seq` has seen every earlier change. */
  seq: number;
  /**
   * `roleAssignment` (key: name), `roleDefinition` (role id), `groupMember` (member id),
   * `principal` (principal id), `accountKey` (account), `armResource` (lowercased ARM id;
   * a deleted resource's change stands for everything below it); open to more.
   */
  entity: "roleAssignment" | "roleDefinition" | "groupMember" | "principal" | "accountKey" | string;
  key: string;
}

/**
 * The change notifications that keep every replica's authorization index current: poll
 * `changesSince(last)` and reload each changed key. To start, read `latestSeq()` first, then
 * load everything, then poll from that seq (a change replayed onto data that already has it
 * is harmless; a change missed is not).
 */
export interface ChangeFeed {
  /** Changes with a seq greater than `seq`, oldest first, at most `limit` of them. */
  changesSince(seq: number, limit?: number): Promise<Change[]>;
  /** The newest seq, or 0 when there are no changes. */
  latestSeq(): Promise<number>;
}
