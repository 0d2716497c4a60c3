/**
 * The streaming client: time to the first body chunk of `"stream": true` chat requests, one at
 * a time (concurrency 1) over one kept-alive connection per target (undici, verifying TLS
 * against Keyless's CA). Each request is timed from the call to the first chunk of its body,
 * then read to the end and checked (SSE events, text, usage, `[DONE]`). Targets take turns in
 * rounds, the order alternating, so drift hits all alike. Bounded: each request by
 * `requestTimeoutMs`, the whole run by `deadlineMs` (targets keep the samples taken by then).
 *
 * argv[2]: JSON {@link FirstChunkInput}. Prints one line: `FIRST-CHUNK {json}`
 * ({@link FirstChunkResult}).
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "undici";
import { CHAT_REQUEST, streamProblem } from "./chat-completion.js";

export interface FirstChunkTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
}

export interface FirstChunkInput {
  caFile: string;
  targets: FirstChunkTarget[];
  rounds: number;
  requestsPerRound: number;
  /** Untimed requests to each target first. */
  warmupRequests: number;
  requestTimeoutMs: number;
  deadlineMs: number;
}

export interface FirstChunkSamples {
  /** From the call to the first body chunk, per request. */
  firstChunkMs: number[];
  /** From the call to the end of the stream, per request. */
  completeMs: number[];
  /** Streams that failed the check, and the first one's problem. */
  problems: number;
  firstProblem?: string;
}

export interface FirstChunkResult {
  samples: Record<string, FirstChunkSamples>;
  /** False when the deadline cut the run short. */
  finished: boolean;
}

const input = JSON.parse(process.argv[2] ?? "") as FirstChunkInput;
const body = JSON.stringify({
  ...CHAT_REQUEST,
  stream: true,
  stream_options: { include_usage: true },
});
const ca = readFileSync(input.caFile);
const agents = new Map(
  input.targets.map((target) => [target.name, new Agent({ connect: { ca }, connections: 1 })]),
);

async function timeOne(target: FirstChunkTarget) {
  const started = performance.now();
  const reply = await request(target.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    body,
    dispatcher: agents.get(target.name)!,
    signal: AbortSignal.timeout(input.requestTimeoutMs),
  });
  let firstChunk: number | undefined;
  let text = "";
  for await (const chunk of reply.body as AsyncIterable<Buffer>) {
    firstChunk ??= performance.now();
    text += chunk.toString("utf8");
  }
  const complete = performance.now();
  const problem =
    reply.statusCode !== 200
      ? `status ${reply.statusCode}: ${text.slice(0, 200)}`
      : streamProblem(text);
  return {
    firstChunkMs: (firstChunk ?? complete) - started,
    completeMs: complete - started,
    problem,
  };
}

async function measure(): Promise<FirstChunkResult> {
  const deadline = Date.now() + input.deadlineMs;
  const samples: Record<string, FirstChunkSamples> = Object.fromEntries(
    input.targets.map((target) => [target.name, { firstChunkMs: [], completeMs: [], problems: 0 }]),
  );
  for (const target of input.targets)
    for (let i = 0; i < input.warmupRequests; i++) await timeOne(target);
  for (let round = 0; round < input.rounds; round++) {
    const order = round % 2 === 0 ? input.targets : [...input.targets].reverse();
    for (const target of order) {
      const into = samples[target.name]!;
      for (let i = 0; i < input.requestsPerRound; i++) {
        if (Date.now() > deadline) return { samples, finished: false };
        const timed = await timeOne(target);
        if (timed.problem !== undefined) {
          into.problems++;
          into.firstProblem ??= timed.problem;
          continue;
        }
        into.firstChunkMs.push(timed.firstChunkMs);
        into.completeMs.push(timed.completeMs);
      }
    }
  }
  return { samples, finished: true };
}

try {
  const result = await measure();
  process.stdout.write(`FIRST-CHUNK ${JSON.stringify(result)}\n`);
} finally {
  await Promise.all([...agents.values()].map((agent) => agent.close()));
}
