/**
 * A deterministic synthetic tenant for the authorization benchmark: subscriptions, resource
 * groups, AI Services accounts and deployments; users and 10,000 groups (some nested); and N
 * role assignments spread over them. Nothing here is timed.
 */
import {
  AuthzIndex,
  GroupMemberships,
  builtInRoleIds,
  decide,
  scopeAncestors,
  type AccessRequest,
  type RoleDefinition,
} from "../../src/authz/index.js";

export const CHAT =
  "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action";

export interface WorldShape {
  assignments: number;
  groups: number;
  subscriptions: number;
  resourceGroupsPerSubscription: number;
  accountsPerResourceGroup: number;
  deploymentsPerAccount: number;
  /** Requests prepared per kind (allowed, denied), drawn from distinct users and deployments. */
  requests: number;
}

export interface World {
  index: AuthzIndex;
  allowed: AccessRequest[];
  denied: AccessRequest[];
  users: number;
  scopes: number;
  /** Mean number of groups (transitive) in the prepared requests. */
  meanGroupsPerRequest: number;
  /** Per prepared request, on average: principals (the caller or a group) holding any assignment. */
  meanHoldingPrincipals: number;
  /** Per prepared request, on average: assignments at the request's scope or above. */
  meanApplicableAssignments: number;
}

/** The work a decision does that grows with the data: counted through the public API. */
function workPerRequest(index: AuthzIndex, requests: AccessRequest[]) {
  let holding = 0;
  let applicable = 0;
  for (const request of requests) {
    const ancestors = scopeAncestors(request.scope);
    for (const principal of [request.principalId, ...request.groupIds]) {
      if (index.assignmentsOf(principal)) holding++;
      for (const scope of ancestors) applicable += index.assignmentsAt(scope, principal).length;
    }
  }
  return {
    meanHoldingPrincipals: holding / requests.length,
    meanApplicableAssignments: applicable / requests.length,
  };
}

/** mulberry32: small, fast, and the same numbers on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** GUID-shaped ids, so hashing and comparing them costs what real object ids cost. */
function guid(kind: number, n: number): string {
  const hex = (value: number, width: number) => (value >>> 0).toString(16).padStart(width, "0");
  const mixed = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  const id = `${hex(mixed, 8)}-${hex(kind, 4)}-4${hex(n >>> 16, 3)}-8${hex(n & 0xfff, 3)}-${hex(n, 8)}0000`;
  // A flat string, as JSON.parse and database drivers return them (a template literal is a
  // tree of parts that V8 compares more slowly).
  return JSON.parse(`"${id}"`) as string;
}
const userId = (n: number) => guid(0x5e5, n);
const groupId = (n: number) => guid(0x6a0, n);

const MAAS_ROLE: RoleDefinition = {
  id: "d1a0b1c2-0000-4000-8000-00000000aaaa",
  roleName: "Foundry Models User",
  description: "",
  type: "CustomRole",
  assignableScopes: ["/"],
  permissions: [
    {
      actions: [],
      notActions: [],
      dataActions: ["Microsoft.CognitiveServices/accounts/MaaS/*"],
      notDataActions: [],
    },
  ],
};

/** Roles by weight: most assignments are the data roles a gateway's users hold. */
const ROLE_MIX: [string, number][] = [
  [builtInRoleIds.cognitiveServicesOpenAiUser, 30],
  [builtInRoleIds.cognitiveServicesUser, 15],
  [builtInRoleIds.reader, 20],
  [builtInRoleIds.contributor, 10],
  [builtInRoleIds.cognitiveServicesContributor, 10],
  [MAAS_ROLE.id, 10],
  [builtInRoleIds.owner, 5],
];

function pickRole(next: () => number): string {
  let roll = next() * 100;
  for (const [role, weight] of ROLE_MIX) if ((roll -= weight) < 0) return role;
  return ROLE_MIX[0]![0];
}

interface ScopeTree {
  /** Every assignable scope below `/`, by level. */
  levels: string[][];
  deployments: string[];
  /** Deployments at or below each scope (by scope string). */
  deploymentsBelow: Map<string, string[]>;
}

function buildScopeTree(shape: WorldShape): ScopeTree {
  const levels: string[][] = [[], [], [], []];
  const deploymentsBelow = new Map<string, string[]>();
  const below = (scope: string, deployment: string) => {
    const list = deploymentsBelow.get(scope);
    if (list) list.push(deployment);
    else deploymentsBelow.set(scope, [deployment]);
  };
  for (let s = 0; s < shape.subscriptions; s++) {
    const sub = `/subscriptions/${guid(0x50b, s)}`;
    levels[0]!.push(sub);
    for (let g = 0; g < shape.resourceGroupsPerSubscription; g++) {
      const rg = `${sub}/resourcegroups/rg-${g}`;
      levels[1]!.push(rg);
      for (let a = 0; a < shape.accountsPerResourceGroup; a++) {
        const account = `${rg}/providers/microsoft.cognitiveservices/accounts/ai-${s}-${g}-${a}`;
        levels[2]!.push(account);
        for (let d = 0; d < shape.deploymentsPerAccount; d++) {
          const deployment = `${account}/deployments/model-${d}`;
          levels[3]!.push(deployment);
          for (const scope of [sub, rg, account, deployment]) below(scope, deployment);
        }
      }
    }
  }
  return { levels, deployments: levels[3]!, deploymentsBelow };
}

/** 10% of assignments at a subscription, 20% at a resource group, 30% at an account, 40% at a deployment. */
function pickScope(tree: ScopeTree, next: () => number): string {
  const roll = next();
  const level = roll < 0.1 ? 0 : roll < 0.3 ? 1 : roll < 0.6 ? 2 : 3;
  const scopes = tree.levels[level]!;
  return scopes[Math.floor(next() * scopes.length)]!;
}

/**
 * Group nesting: every fourth group (from 100 on) is a member of group n/4, which gives chains
 * up to four deep; each user is directly in 2 to 6 groups.
 */
function memberships(shape: WorldShape, users: number[], next: () => number): GroupMemberships {
  const groups = new GroupMemberships();
  for (let g = 100; g < shape.groups; g += 4) groups.addMember(groupId(g >>> 2), groupId(g));
  for (const user of new Set(users)) {
    const count = 2 + Math.floor(next() * 5);
    for (let i = 0; i < count; i++) {
      groups.addMember(groupId(Math.floor(next() * shape.groups)), userId(user));
    }
  }
  return groups;
}

export function buildWorld(shape: WorldShape, seed = 20261123): World {
  const next = random(seed);
  const tree = buildScopeTree(shape);
  const users = Math.max(250, Math.floor(shape.assignments / 4));
  const index = new AuthzIndex();
  index.putRole(MAAS_ROLE);

  // Allowed requests come from users given a data role; remember a few to ask about later.
  const grantedUsers: { user: number; scope: string }[] = [];
  for (let n = 0; n < shape.assignments; n++) {
    const toGroup = next() < 0.25;
    const principal = toGroup ? Math.floor(next() * shape.groups) : Math.floor(next() * users);
    const roleDefinitionId = pickRole(next);
    const scope = pickScope(tree, next);
    index.putAssignment({
      name: guid(0xa55, n),
      scope,
      roleDefinitionId,
      principalId: toGroup ? groupId(principal) : userId(principal),
      principalType: toGroup ? "Group" : "User",
      createdOn: 1_795_000_000_000,
      updatedOn: 1_795_000_000_000,
    });
    const chatRole =
      roleDefinitionId === builtInRoleIds.cognitiveServicesOpenAiUser ||
      roleDefinitionId === builtInRoleIds.cognitiveServicesUser;
    if (!toGroup && chatRole && grantedUsers.length < shape.requests * 4) {
      grantedUsers.push({ user: principal, scope });
    }
  }

  const chosen = grantedUsers.slice(0, shape.requests);
  const deniedUsers = Array.from({ length: shape.requests }, () => Math.floor(next() * users));
  const groups = memberships(shape, [...chosen.map((c) => c.user), ...deniedUsers], next);
  const request = (user: number, scope: string): AccessRequest => ({
    principalId: userId(user),
    groupIds: groups.transitiveGroupsOf(userId(user)),
    action: CHAT,
    kind: "dataAction",
    scope,
  });

  const allowed = chosen.map(({ user, scope }) => {
    const below = tree.deploymentsBelow.get(scope)!;
    return request(user, below[Math.floor(next() * below.length)]!);
  });
  const denied: AccessRequest[] = [];
  for (const user of deniedUsers) {
    // A random deployment; keep it only if nothing grants there (nearly always).
    const candidate = request(
      user,
      tree.deployments[Math.floor(next() * tree.deployments.length)]!,
    );
    if (!decide(candidate, index).allowed) denied.push(candidate);
  }
  for (const entry of allowed) {
    if (!decide(entry, index).allowed) throw new Error("an allowed request was denied");
  }
  const all = [...allowed, ...denied];
  return {
    index,
    allowed,
    denied,
    users,
    scopes: tree.levels.reduce((n, level) => n + level.length, 0),
    meanGroupsPerRequest: all.reduce((n, r) => n + r.groupIds.length, 0) / all.length,
    ...workPerRequest(index, all),
  };
}
