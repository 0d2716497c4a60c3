/**
 * A failed ARM request: status, Azure's stable error `code` and message. Rendered at the edge
 * as `{"error":{"code","message"}}` with `x-ms-error-code`.
 */
export class ArmError extends Error {
  override name = "ArmError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
