/**
 * The baseline: what Keyless's token issuer does per token and nothing else. Builds the
 * claims of a token the endpoint issued (fresh times and random `aio`, `rh`, `uti`, as
 * TokenIssuer does), serialises header and payload, and signs with `crypto.sign('sha256')`
 * on libuv's thread pool with a 2048-bit RSA key, keeping `concurrency` signings in flight.
 * It imports nothing from src/, so a change to the issuer cannot move the baseline with it.
 *
 * argv[2]: JSON {@link BaselineInput}. Prints one line: `BASELINE {json}`.
 */
import { generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseCpuList, startCpuWindow, type CpuWindow } from "../support/process-cpu.js";

export interface BaselineInput {
  /** The claims of a token the endpoint issued: the shape and size to reproduce. */
  claims: Record<string, unknown>;
  kid: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface BaselineResult {
  tokens: number;
  tokensPerSecond: number;
  /** The measured window: wall seconds, this process's CPU time, other work on its CPUs. */
  window: CpuWindow;
  /** `Cpus_allowed_list`: where taskset pinned it. */
  cpus: string;
  payloadBytes: number;
}

const b64json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString("base64url");
const opaque = (bytes: number) => randomBytes(bytes).toString("base64url");

function signRs256(signingInput: string, key: KeyObject): Promise<string> {
  return new Promise((resolve, reject) =>
    sign("sha256", Buffer.from(signingInput), key, (error, signature) =>
      error ? reject(error) : resolve(`${signingInput}.${signature.toString("base64url")}`),
    ),
  );
}

function makeToken(input: BaselineInput, key: KeyObject): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const lifetime = Number(input.claims.exp) - Number(input.claims.iat);
  const claims = {
    ...input.claims,
    iat: now,
    nbf: now,
    exp: now + lifetime,
    aio: opaque(24),
    rh: `0.${opaque(32)}.`,
    uti: opaque(16),
  };
  const header = { typ: "JWT", alg: "RS256", x5t: input.kid, kid: input.kid };
  return signRs256(`${b64json(header)}.${b64json(claims)}`, key);
}

async function measure(input: BaselineInput): Promise<BaselineResult> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const sample = await makeToken(input, privateKey);
  const [headerPart, payloadPart, signaturePart] = sample.split(".") as [string, string, string];
  const valid = verify(
    "sha256",
    Buffer.from(`${headerPart}.${payloadPart}`),
    publicKey,
    Buffer.from(signaturePart, "base64url"),
  );
  if (!valid) throw new Error("the baseline's own token does not verify");

  let counting = false;
  let stopped = false;
  let tokens = 0;
  const worker = async () => {
    while (!stopped) {
      await makeToken(input, privateKey);
      if (counting) tokens++;
    }
  };
  const workers = Array.from({ length: input.concurrency }, worker);
  await new Promise((resolve) => setTimeout(resolve, input.warmupMs));
  const cpus = readFileSync("/proc/self/status", "utf8").match(/^Cpus_allowed_list:\s*(\S+)/m)![1]!;
  const endWindow = startCpuWindow(process.pid, parseCpuList(cpus));
  counting = true;
  await new Promise((resolve) => setTimeout(resolve, input.durationMs));
  const counted = tokens;
  const window = endWindow();
  counting = false;
  stopped = true;
  await Promise.all(workers);
  return {
    tokens: counted,
    tokensPerSecond: counted / window.seconds,
    window,
    cpus,
    payloadBytes: Buffer.from(payloadPart, "base64url").length,
  };
}

const input = JSON.parse(process.argv[2] ?? "") as BaselineInput;
const result = await measure(input);
process.stdout.write(`BASELINE ${JSON.stringify(result)}\n`);
