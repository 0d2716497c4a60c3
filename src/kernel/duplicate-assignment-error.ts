/**
 * A role assignment for the same principal, role and scope already exists under another name
 * (Azure: 409 `RoleAssignmentExists`, "The role assignment already exists.").
 *
 * Deliberately not a `DuplicateKeyError`: that one means "this name is taken", which a
 * create-or-update may answer by updating; this one must reach the caller as a conflict.
 * Catching `DuplicateKeyError` must never swallow it.
 */
export class DuplicateAssignmentError extends Error {
  override name = "DuplicateAssignmentError";
  /** The ARM error code the control plane answers with (409). */
  readonly code = "RoleAssignmentExists";

  /** `existingName` is the assignment already holding the principal, role and scope. */
  constructor(readonly existingName: string) {
    super("The role assignment already exists.");
  }
}
