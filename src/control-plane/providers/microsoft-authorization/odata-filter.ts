/** The `$filter` forms ARM's Microsoft.Authorization list operations accept. */
export type AuthorizationFilter =
  | { kind: "none" }
  | { kind: "atScope" }
  | { kind: "principalId"; value: string }
  | { kind: "assignedTo"; value: string }
  | { kind: "roleName"; value: string }
  | { kind: "type"; value: string };

/** Parses `$filter`; undefined for a filter Keyless does not understand (answered with 400). */
export function parseAuthorizationFilter(
  filter: string | undefined,
): AuthorizationFilter | undefined {
  if (filter === undefined || filter.trim() === "") return { kind: "none" };
  const text = filter.trim();
  if (/^atScope\(\)$/i.test(text)) return { kind: "atScope" };
  const assigned = /^assignedTo\('([^']*)'\)$/i.exec(text);
  if (assigned) return { kind: "assignedTo", value: assigned[1]!.toLowerCase() };
  const equals = /^(principalId|roleName|type)\s+eq\s+'((?:[^']|'')*)'$/i.exec(text);
  if (!equals) return undefined;
  const value = equals[2]!.replace(/''/g, "'");
  const field = equals[1]!.toLowerCase();
  if (field === "principalid") return { kind: "principalId", value: value.toLowerCase() };
  if (field === "rolename") return { kind: "roleName", value };
  return { kind: "type", value };
}
