/**
 * ARM scopes: where a role assignment is made and what a request targets. Keyless compares them
 * lowercased (ARM treats them case-insensitively) and inherits assignments down the tree at
 * each resource boundary:
 *
 *   /
 *   /subscriptions/{s}
 *   /subscriptions/{s}/resourcegroups/{g}
 *   /subscriptions/{s}/resourcegroups/{g}/providers/{ns}/{type}/{name}
 *   …/{childType}/{childName}            (e.g. …/accounts/a/deployments/d), any depth
 */

export class InvalidScopeError extends Error {
  readonly code = "InvalidScope";
  constructor(
    readonly scope: string,
    reason: string,
  ) {
    super(`The scope '${scope}' is not valid: ${reason}`);
    this.name = "InvalidScopeError";
  }
}

/** A scope in canonical form and the end offsets of its ancestors (0 stands for `/`). */
interface ParsedScope {
  scope: string;
  ancestorEnds: number[];
}

// Characters no ARM name contains; refusing them keeps odd input from aliasing a real scope.
const FORBIDDEN = /[\s?#\\%\u0000-\u001f\u007f]/;

function collapse(input: string): string {
  const segments = input.split("/").filter((segment) => segment !== "");
  return "/" + segments.join("/");
}

function parseScope(input: string): ParsedScope {
  if (typeof input !== "string" || !input.startsWith("/")) {
    throw new InvalidScopeError(String(input), "a scope starts with '/'");
  }
  let scope = input.toLowerCase();
  // Fast path: an already canonical scope (the common case) skips the rebuild.
  if (scope.includes("//") || (scope.length > 1 && scope.endsWith("/"))) scope = collapse(scope);
  if (FORBIDDEN.test(scope))
    throw new InvalidScopeError(input, "it contains a forbidden character");
  if (scope === "/") return { scope, ancestorEnds: [0] };

  const ancestorEnds = [0];
  let position = 1; // just after a '/'
  let index = 0; // segment number: 0 `subscriptions`, 2 `resourcegroups`, 4 `providers`, 5 `{ns}`
  while (position <= scope.length) {
    const slash = scope.indexOf("/", position);
    const end = slash === -1 ? scope.length : slash;
    const segment = scope.slice(position, end);
    if (segment === "." || segment === "..") {
      throw new InvalidScopeError(input, "'.' and '..' are not allowed");
    }
    if (index === 0 && segment !== "subscriptions") {
      throw new InvalidScopeError(input, "it must start with /subscriptions/{subscriptionId}");
    }
    if (index === 2 && segment !== "resourcegroups") {
      throw new InvalidScopeError(input, "after the subscription comes /resourceGroups/{name}");
    }
    if (index === 4 && segment !== "providers") {
      throw new InvalidScopeError(input, "after the resource group comes /providers/{namespace}");
    }
    // `providers` where a child type belongs starts an extension resource (…/providers/{ns}/…).
    if (index > 5 && index % 2 === 0 && segment === "providers") {
      throw new InvalidScopeError(input, "extension resources are not assignable scopes");
    }
    // Boundaries: subscription (after segment 1), resource group (3), resource (7), children (9, 11…).
    if (index === 1 || index === 3 || (index >= 7 && index % 2 === 1)) ancestorEnds.push(end);
    index++;
    position = end + 1;
  }
  const last = index - 1;
  if (last !== 1 && last !== 3 && !(last >= 7 && last % 2 === 1)) {
    throw new InvalidScopeError(
      input,
      "it does not end at a subscription, resource group or resource",
    );
  }
  return { scope, ancestorEnds };
}

/**
 * The canonical form of a scope: lowercase, duplicate slashes collapsed, no trailing slash,
 * `/` for the root. Throws `InvalidScopeError` for `..`, forbidden characters and shapes that
 * are not a subscription, resource group or resource.
 */
export function normalizeScope(scope: string): string {
  return parseScope(scope).scope;
}

/** Every scope whose assignments apply at `scope`, from `/` down to `scope` itself (normalised). */
export function scopeAncestors(scope: string): string[] {
  const parsed = parseScope(scope);
  return parsed.ancestorEnds.map((end) => (end === 0 ? "/" : parsed.scope.slice(0, end)));
}

/** Whether `scope` is `ancestor` or lies below it (both normalised). */
export function isScopeAtOrBelow(scope: string, ancestor: string): boolean {
  if (ancestor === "/") return true;
  return scope === ancestor || (scope.startsWith(ancestor) && scope[ancestor.length] === "/");
}
