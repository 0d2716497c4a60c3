/**
 * The raw signing baseline: what Keyless's token issuer does per token and nothing else
 * (sign-token.ts) with a 2048-bit RSA key, keeping `concurrency` signings in flight. Like
 * sign-token.ts it imports nothing from src/.
 *
 * argv[2]: JSON {@link BaselineInput}. Prints one line: `BASELINE {json}`.
 */
import { generateKeyPairSync, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseCpuList, startCpuWindow, type CpuWindow } from "../support/process-cpu.js";
import { signToken, type TokenTemplate } from "./sign-token.js";

export interface BaselineInput extends TokenTemplate {
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

async function measure(input: BaselineInput): Promise<BaselineResult> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const sample = await signToken(input, privateKey);
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
      await signToken(input, privateKey);
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
