import { createHash } from "node:crypto";

/**
 * The conventional name of an assignment, `guid(principalId, roleDefinitionId, scope)` as ARM
 * templates and Bicep write it: the same inputs always give the same GUID, so re-running a
 * seed or a script finds the assignment it made before.
 */
export function assignmentName(
  principalId: string,
  roleDefinitionId: string,
  scope: string,
): string {
  const hex = createHash("sha256")
    .update([principalId, roleDefinitionId, scope].map((part) => part.toLowerCase()).join("\n"))
    .digest("hex");
  // Shaped as a version-5-style GUID: version nibble 5, variant bits 10.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
