/**
 * Group membership in memory, expanded transitively: a user in G1, with G1 a member of G2,
 * belongs to G1 and G2, so assignments to either apply. `AccessRequest.groupIds` is this
 * expansion. Kept current by membership changes like the rest of the authorization facts.
 */
export class GroupMemberships {
  /** member → the groups that list it directly. */
  private readonly directGroups = new Map<string, Set<string>>();

  addMember(groupId: string, memberId: string): void {
    const member = memberId.toLowerCase();
    let groups = this.directGroups.get(member);
    if (!groups) {
      groups = new Set();
      this.directGroups.set(member, groups);
    }
    groups.add(groupId.toLowerCase());
  }

  removeMember(groupId: string, memberId: string): void {
    const member = memberId.toLowerCase();
    const groups = this.directGroups.get(member);
    groups?.delete(groupId.toLowerCase());
    if (groups?.size === 0) this.directGroups.delete(member);
  }

  /** Groups that list `memberId` directly. */
  directGroupsOf(memberId: string): string[] {
    return [...(this.directGroups.get(memberId.toLowerCase()) ?? [])];
  }

  /**
   * Every group `principalId` belongs to, directly or through nested groups, nearest first.
   * Cycles (G1 in G2 in G1) end the walk instead of looping; the principal itself is never
   * listed.
   */
  transitiveGroupsOf(principalId: string): string[] {
    const start = principalId.toLowerCase();
    const seen = new Set<string>([start]);
    const order: string[] = [];
    let frontier = [start];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const member of frontier) {
        for (const group of this.directGroups.get(member) ?? []) {
          if (seen.has(group)) continue;
          seen.add(group);
          order.push(group);
          next.push(group);
        }
      }
      frontier = next;
    }
    return order;
  }
}
