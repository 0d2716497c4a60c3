import type { AuthzIndex } from "./authz-index.js";
import type { AuthzStore, Change, ChangeFeed } from "./store.js";

/**
 * Loads the authorization index from storage and applies the change feed to it, so every
 * replica decides on current facts (within the poll period) without a query per decision.
 */
export class AuthzSync {
  constructor(
    private readonly index: AuthzIndex,
    private readonly store: AuthzStore,
  ) {}

  /** Loads everything; returns the feed position to poll from. Read first, so nothing is missed. */
  async load(feed: ChangeFeed): Promise<number> {
    const seq = await feed.latestSeq();
    for (const role of await this.store.listCustomRoleDefinitions()) this.index.putRole(role);
    for (const assignment of await this.store.listRoleAssignments())
      this.index.putAssignment(assignment);
    return seq;
  }

  /** Re-reads each changed fact: replaying a change the index already has is harmless. */
  async apply(changes: readonly Change[]): Promise<void> {
    for (const change of changes) {
      if (change.entity === "roleAssignment") {
        const assignment = await this.store.getRoleAssignment(change.key);
        if (assignment) this.index.putAssignment(assignment);
        else this.index.removeAssignment(change.key);
      } else if (change.entity === "roleDefinition") {
        const role = await this.store.getCustomRoleDefinition(change.key);
        if (role) this.index.putRole(role);
        else if (this.index.roleDefinition(change.key)?.type === "CustomRole")
          this.index.removeRole(change.key);
      }
    }
  }
}
