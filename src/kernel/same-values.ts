/**
 * Two arrays hold the same values, element by element with `===` (strings by content). For
 * telling a repeat from the last one cheaply, where a fingerprint would cost a string per call.
 */
export function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
