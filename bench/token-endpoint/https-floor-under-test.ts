import { createPublicKey, type KeyObject } from "node:crypto";
import { join } from "node:path";
import type { PinnedProcess, PinnedProcesses } from "../support/pinned-processes.js";
import type { TokenCheck } from "./checked-token.js";
import type { FloorInput, FloorListening } from "./https-floor.js";
import { keylessTokenCheck, type KeylessUnderTest } from "./keyless-under-test.js";

export interface FloorUnderTest {
  process: PinnedProcess;
  httpsUrl: string;
  publicKey: KeyObject;
}

/**
 * The Node HTTPS floor (https-floor.ts) pinned to `cpus`, serving Keyless's own certificate
 * chain and signing tokens shaped like `template`.
 */
export async function startFloor(
  processes: PinnedProcesses,
  cpus: string,
  input: FloorInput,
): Promise<FloorUnderTest> {
  const floor = processes.start("https-floor", cpus, process.execPath, [
    "--import",
    "tsx",
    join(import.meta.dirname, "https-floor.ts"),
    JSON.stringify(input),
  ]);
  const deadline = Date.now() + 30_000;
  let match: RegExpMatchArray | null;
  while (!(match = floor.output().match(/^FLOOR (\{.*\})$/m))) {
    if (floor.child.exitCode !== null)
      throw new Error(`the HTTPS floor exited with ${floor.child.exitCode}:\n${floor.output()}`);
    if (Date.now() > deadline)
      throw new Error(`the HTTPS floor did not start in 30 s:\n${floor.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const listening = JSON.parse(match[1]!) as FloorListening;
  return {
    process: floor,
    httpsUrl: listening.httpsUrl,
    publicKey: createPublicKey(listening.publicKeyPem),
  };
}

/** Keyless's token URL path on the floor's port: wrk sends the floor the same request. */
export function floorTokenUrl(floor: FloorUnderTest, keyless: KeylessUnderTest): string {
  return `${floor.httpsUrl}/${keyless.tenantId}/oauth2/v2.0/token`;
}

/** As for Keyless, over TLS verified against Keyless's CA; the signature against the floor's key. */
export function floorTokenCheck(
  floor: FloorUnderTest,
  keyless: KeylessUnderTest,
  scope: string,
): TokenCheck {
  return {
    ...keylessTokenCheck(keyless, scope),
    url: floorTokenUrl(floor, keyless),
    verificationKey: async () => floor.publicKey,
  };
}
