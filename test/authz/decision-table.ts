/**
 * The decision-table format of `test/authz-cases/*.yaml`, loaded and checked, with nothing about
 * how a table is run: the in-process runner (decision-tables.test.ts) feeds it to `decide`, and
 * an HTTP runner can create the same roles, groups and assignments through the API.
 * The format is described in test/authz-cases/README.md.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export type TablePrincipalType = "User" | "Group" | "ServicePrincipal" | "ManagedIdentity";

export interface TableRole {
  roleName: string;
  /** Optional GUID; a runner may choose its own. */
  id?: string;
  description: string;
  assignableScopes: string[];
  permissions: {
    actions: string[];
    notActions: string[];
    dataActions: string[];
    notDataActions: string[];
    condition?: string;
    conditionVersion?: string;
  }[];
}

export interface TableAssignment {
  principal: string;
  /** A built-in role or one of the file's `roles`, by roleName. */
  role: string;
  scope: string;
  condition?: string;
  conditionVersion?: string;
}

export interface ExpectedGrant {
  role: string;
  /** Where the granting assignment was made. */
  scope: string;
  /** Who holds it (the principal or one of its groups); unchecked when absent. */
  principal?: string;
}

export interface TableCase {
  name: string;
  principal: string;
  kind: "action" | "dataAction";
  action: string;
  scope: string;
  attributes?: Record<string, string[]>;
  expect: "allowed" | "denied";
  /** For allowed cases: every assignment that grants, in any order. */
  grantedBy: ExpectedGrant[];
}

export interface DecisionTable {
  file: string;
  description: string;
  /** Principal types other than User (groups are implied by `groups`). */
  principals: Record<string, TablePrincipalType>;
  /** Group → its direct members (principals or other groups). */
  groups: Record<string, string[]>;
  roles: TableRole[];
  assignments: TableAssignment[];
  cases: TableCase[];
}

type Raw = Record<string, unknown>;

class TableError extends Error {
  constructor(file: string, where: string, message: string) {
    super(`${file}: ${where}: ${message}`);
  }
}

function checkKeys(raw: Raw, allowed: string[], fail: (message: string) => never): void {
  const unknown = Object.keys(raw).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) fail(`unknown key(s) ${unknown.join(", ")}`);
}

function text(value: unknown, what: string, fail: (message: string) => never): string {
  if (typeof value !== "string" || value === "") fail(`${what} must be a non-empty string`);
  return value;
}

function strings(value: unknown, what: string, fail: (message: string) => never): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    fail(`${what} must be a list of strings`);
  }
  return value as string[];
}

function loadRole(raw: Raw, fail: (message: string) => never): TableRole {
  checkKeys(raw, ["roleName", "id", "description", "assignableScopes", "permissions"], fail);
  if (!Array.isArray(raw.permissions)) fail("a role needs a list of permissions");
  return {
    roleName: text(raw.roleName, "roleName", fail),
    ...(raw.id !== undefined ? { id: text(raw.id, "id", fail) } : {}),
    description: typeof raw.description === "string" ? raw.description : "",
    assignableScopes: raw.assignableScopes
      ? strings(raw.assignableScopes, "assignableScopes", fail)
      : ["/"],
    permissions: (raw.permissions as Raw[]).map((block) => {
      const keys = ["actions", "notActions", "dataActions", "notDataActions"];
      checkKeys(block, [...keys, "condition", "conditionVersion"], fail);
      return {
        actions: strings(block.actions, "actions", fail),
        notActions: strings(block.notActions, "notActions", fail),
        dataActions: strings(block.dataActions, "dataActions", fail),
        notDataActions: strings(block.notDataActions, "notDataActions", fail),
        ...(block.condition !== undefined
          ? { condition: text(block.condition, "condition", fail) }
          : {}),
        ...(block.conditionVersion !== undefined
          ? { conditionVersion: text(block.conditionVersion, "conditionVersion", fail) }
          : {}),
      };
    }),
  };
}

function loadCase(raw: Raw, fail: (message: string) => never): TableCase {
  checkKeys(
    raw,
    ["name", "principal", "action", "dataAction", "scope", "attributes", "expect", "grantedBy"],
    fail,
  );
  if ((raw.action === undefined) === (raw.dataAction === undefined)) {
    fail("a case has exactly one of action and dataAction");
  }
  const kind = raw.action !== undefined ? "action" : "dataAction";
  if (raw.expect !== "allowed" && raw.expect !== "denied") fail("expect is allowed or denied");
  const grantedBy = ((raw.grantedBy ?? []) as Raw[]).map((grant) => {
    checkKeys(grant, ["role", "scope", "principal"], fail);
    return {
      role: text(grant.role, "grantedBy.role", fail),
      scope: text(grant.scope, "grantedBy.scope", fail),
      ...(grant.principal !== undefined
        ? { principal: text(grant.principal, "grantedBy.principal", fail) }
        : {}),
    };
  });
  if (raw.expect === "allowed" && grantedBy.length === 0) fail("an allowed case lists grantedBy");
  if (raw.expect === "denied" && grantedBy.length > 0) fail("a denied case has no grantedBy");
  const attributes = raw.attributes as Record<string, unknown> | undefined;
  return {
    name: text(raw.name, "name", fail),
    principal: text(raw.principal, "principal", fail),
    kind,
    action: text(raw[kind], kind, fail),
    scope: text(raw.scope, "scope", fail),
    ...(attributes
      ? {
          attributes: Object.fromEntries(
            Object.entries(attributes).map(([key, value]) => [key, strings(value, key, fail)]),
          ),
        }
      : {}),
    expect: raw.expect,
    grantedBy,
  };
}

export function loadDecisionTable(path: string): DecisionTable {
  const file = path.split("/").pop()!;
  const raw = parse(readFileSync(path, "utf8")) as Raw;
  const at =
    (where: string) =>
    (message: string): never => {
      throw new TableError(file, where, message);
    };
  checkKeys(
    raw,
    ["description", "scopes", "actions", "principals", "groups", "roles", "assignments", "cases"],
    at("top level"),
  );
  const groups = (raw.groups ?? {}) as Record<string, unknown>;
  return {
    file,
    description: text(raw.description, "description", at("top level")),
    principals: (raw.principals ?? {}) as Record<string, TablePrincipalType>,
    groups: Object.fromEntries(
      Object.entries(groups).map(([group, members]) => [
        group,
        strings(members, `members of ${group}`, at(`groups.${group}`)),
      ]),
    ),
    roles: ((raw.roles ?? []) as Raw[]).map((role, i) => loadRole(role, at(`roles[${i}]`))),
    assignments: ((raw.assignments ?? []) as Raw[]).map((assignment, i) => {
      const fail = at(`assignments[${i}]`);
      checkKeys(assignment, ["principal", "role", "scope", "condition", "conditionVersion"], fail);
      return {
        principal: text(assignment.principal, "principal", fail),
        role: text(assignment.role, "role", fail),
        scope: text(assignment.scope, "scope", fail),
        ...(assignment.condition !== undefined
          ? { condition: text(assignment.condition, "condition", fail) }
          : {}),
        ...(assignment.conditionVersion !== undefined
          ? { conditionVersion: text(assignment.conditionVersion, "conditionVersion", fail) }
          : {}),
      };
    }),
    cases: ((raw.cases ?? []) as Raw[]).map((entry, i) =>
      loadCase(entry, at(`cases[${i}] ${String(entry.name ?? "")}`)),
    ),
  };
}

/** Every table in `dir` (default: test/authz-cases), sorted by file name. */
export function loadDecisionTables(
  dir = join(import.meta.dirname, "..", "authz-cases"),
): DecisionTable[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .map((name) => loadDecisionTable(join(dir, name)));
}
