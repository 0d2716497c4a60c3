import { CHAT_REQUEST } from "./chat-completion.js";
import {
  all,
  CONTESTANTS,
  cpuPerRequest,
  GOALS,
  NAMES,
  streamed,
  type Contestant,
  type Figures,
} from "./figures.js";
import {
  int,
  latencyTable,
  markdownTable,
  ms,
  roundsTable,
  signedMs,
  streamTable,
  textTable,
  throughputTable,
  times,
} from "./tables.js";

const verdictWord = (met: boolean) => (met ? "met" : "MISSED");

function verdicts(figures: Figures): string[] {
  const load = all(figures, "throughput");
  const one = all(figures, "latency");
  const stream = streamed(figures);
  const throughput = load.keylessToken.rate / load.node.rate;
  const addedE = one.keylessToken.p50 - one.direct.p50;
  const addedB = one.node.p50 - one.direct.p50;
  const addedStreamMs = stream.keylessToken.p50 - stream.node.p50;
  return [
    `Throughput at ${figures.settings.connections} connections: E ÷ B ${times(throughput)} — goal ≥ ` +
      `${times(GOALS.throughput)} ${verdictWord(throughput >= GOALS.throughput)}` +
      ` (${int(load.keylessToken.rate)} against ${int(load.node.rate)} req/s; by server CPU time ` +
      `per request ${times(cpuPerRequest(load.node) / cpuPerRequest(load.keylessToken))}; D ÷ B ` +
      `${times(load.keylessKey.rate / load.node.rate)}, C ÷ B ${times(load.nginx.rate / load.node.rate)}). ` +
      `CPU per request: Keyless ${int(load.keylessToken.proxyUs)} µs with a token, ` +
      `${int(load.keylessKey.proxyUs)} µs with a key, the Node proxy ${int(load.node.proxyUs)} µs, ` +
      `nginx ${int(load.nginx.proxyUs)} µs; the upstream ${int(load.direct.upstreamUs)} µs when called directly.`,
    `Added p50 at concurrency 1: E − A ${signedMs(addedE)} against B − A ${signedMs(addedB)}, ` +
      `${times(addedE / addedB)} — goal ≤ ${times(GOALS.addedP50)} ` +
      `${verdictWord(addedE <= GOALS.addedP50 * addedB)} (D − A ${signedMs(one.keylessKey.p50 - one.direct.p50)}, ` +
      `C − A ${signedMs(one.nginx.p50 - one.direct.p50)}).`,
    `p99 at concurrency 1: E ${ms(one.keylessToken.p99)} against B ${ms(one.node.p99)} — goal E ≤ B ` +
      `${verdictWord(one.keylessToken.p99 <= one.node.p99)}.`,
    `Streaming, time to first chunk p50: E − B ${signedMs(addedStreamMs * 1000)} — goal ≤ ` +
      `${GOALS.addedFirstChunkMs} ms ${verdictWord(addedStreamMs <= GOALS.addedFirstChunkMs)} ` +
      `(E ${ms(stream.keylessToken.p50 * 1000)}, B ${ms(stream.node.p50 * 1000)}, ` +
      `A ${ms(stream.direct.p50 * 1000)}).`,
  ];
}

/** Requests Keyless answered 200 as counted by its clients, by how they authenticated. */
function answeredByKeyless(figures: Figures): Record<"key1" | "token", number> {
  const ok = (name: Contestant) =>
    figures.warmup[name].wrk.ok +
    figures.rounds.reduce(
      (total, round) => total + round.throughput[name].wrk.ok + round.latency[name].wrk.ok,
      0,
    ) +
    figures.firstChunk.samples[name]!.firstChunkMs.length;
  return { key1: ok("keylessKey"), token: ok("keylessToken") };
}

function correctness(figures: Figures): string[] {
  const runs = (name: Contestant) => [
    figures.warmup[name],
    ...figures.rounds.flatMap((round) => [round.throughput[name], round.latency[name]]),
  ];
  const errors = (name: Contestant) =>
    runs(name).reduce(
      (total, run) => total + Object.values(run.wrk.socketErrors).reduce((a, b) => a + b, 0),
      0,
    );
  const requests = (name: Contestant) => runs(name).reduce((t, run) => t + run.wrk.requests, 0);
  const notOk = (name: Contestant) => runs(name).reduce((t, run) => t + run.wrk.notOk, 0);
  const problems = (name: Contestant) => figures.firstChunk.samples[name]!.problems;
  const lines = [
    `wrk: ${CONTESTANTS.map(
      (name) =>
        `${NAMES[name].letter} ${notOk(name)} non-200 of ${requests(name)}, ${errors(name)} socket errors`,
    ).join("; ")}. Streams failing their check: ${CONTESTANTS.map(
      (name) => `${NAMES[name].letter} ${problems(name)}`,
    ).join(", ")}${figures.firstChunk.finished ? "" : " (the streaming run hit its deadline)"}.`,
    `Before and after the load, a plain and a streamed answer from each over TLS verified ` +
      `against Keyless's CA matched the upstream's (text, usage, every chunk, \`[DONE]\`): ` +
      CONTESTANTS.map((name) => {
        const check = figures.checks[name].before;
        return `${NAMES[name].letter} ${check.jsonBytes} B JSON (${check.jsonType}), ${check.streamEvents} SSE events`;
      }).join("; ") +
      ".",
  ];
  if (figures.upstreamCounts)
    lines.push(
      `The upstream answered ${figures.upstreamCounts.completions} completions and ` +
        `${figures.upstreamCounts.streams} streams, and refused ${figures.upstreamCounts.refused}.`,
    );
  const answered = answeredByKeyless(figures);
  const audit = figures.audit;
  if (typeof audit === "string") lines.push(`Keyless's audit records: ${audit}.`);
  else {
    const by = (method: string) =>
      Object.entries(audit[method] ?? {})
        .map(([status, n]) => `${n} × ${status}`)
        .join(", ") || "none";
    const short = (["token", "key1"] as const).filter(
      (method) => (audit[method]?.["200"] ?? 0) < answered[method],
    );
    lines.push(
      `Keyless's audit records of the deployment: token ${by("token")}; key1 ${by("key1")}; ` +
        `its clients counted ${answered.token} and ${answered.key1} answers 200 (wrk leaves ` +
        `requests in flight when a run ends; Keyless records them as it finishes them, as 200 ` +
        `or as 499 when wrk has closed the connection; a 404 is a call made before the change ` +
        `feed brought the new deployment to the data plane)` +
        (short.length > 0 ? `: FEWER records than answers for ${short.join(", ")}.` : "."),
    );
  }
  return lines;
}

/** The console tables. */
export function renderTable(figures: Figures): string {
  const { machine, settings } = figures;
  return [
    `gateway — ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}, wrk ${machine.wrk}, nginx ${machine.nginx}`,
    `upstream and contestants on CPU ${figures.upstreamCpus}, wrk and the streaming client on CPU ` +
      `${figures.loadCpus}; ${settings.rounds} rounds of ${settings.seconds} s per run; Keyless ${figures.keyless}`,
    "",
    `throughput, ${settings.connections} connections (all rounds)`,
    ...textTable(throughputTable(figures)),
    "",
    "latency, 1 connection (median round)",
    ...textTable(latencyTable(figures)),
    "",
    "per round",
    ...textTable(roundsTable(figures)),
    "",
    `streaming, time to first chunk (1 at a time, ${settings.rounds} × ${settings.streamRequests} requests each)`,
    ...textTable(streamTable(figures)),
    "",
    ...verdicts(figures),
    "",
    ...correctness(figures),
  ].join("\n");
}

/** The `gateway` section of bench/RESULTS.md. */
export function renderMarkdown(figures: Figures): string {
  const { settings, machine } = figures;
  return `## gateway

What Keyless's data plane adds to a forwarded chat completion, against the same upstream reached
directly, through a bare Node HTTPS reverse proxy and through nginx, all measured in the same run
(\`npm run bench:gateway\`).

- Date: ${figures.date}
- Machine: \`nproc\` ${machine.nproc}, ${machine.cpuModel}, Node ${machine.node} (OpenSSL ${machine.openssl}), wrk ${machine.wrk}, nginx ${machine.nginx}
- Keyless: ${figures.keyless}

### Method

- **Upstream**: a minimal OpenAI-compatible HTTP/1.1 server in Node (\`openai-upstream.ts\`,
  \`node:http\`, nothing from \`src/\`) on 127.0.0.1 that reads and parses each body and answers
  \`POST /v1/chat/completions\` at once with a fixed ${figures.checks.direct.before.jsonBytes}-byte chat completion, or with
  ${figures.checks.direct.before.streamEvents} SSE events (role, three text pieces, finish, usage, \`[DONE]\`) ${settings.chunkIntervalMs} ms apart for
  \`"stream": true\`.
- **A, direct**: wrk to the upstream over plain HTTP: the reference every proxy adds to.
- **B, bare Node HTTPS proxy** (\`bare-proxy.ts\`, nothing from \`src/\`): the runtime's floor.
  \`node:https\` with Keyless's ECDSA P-256 certificate chain; per request it reads the body,
  maps \`…/deployments/{name}/{operation}\` to \`/v1/{operation}\`, sends it on with undici (one
  Agent, kept-alive connections, as Keyless's forwarder) and relays status, type and body chunk
  by chunk. No framework, authentication, JSON parsing, audit or logging.
- **C, nginx** ${machine.nginx} from Debian (\`nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'\`, generated
  configuration in a temporary folder): the native floor. \`worker_processes 1\`, the same
  certificate, the same path mapping, HTTP/1.1 to an \`upstream\` block with \`keepalive
  ${settings.connections}\`, no limit on requests per connection, no access log; SSE unbuffered through the
  upstream's \`X-Accel-Buffering: no\`.
- **D and E, Keyless**: \`node dist/main.js start --https-port 0 --http-port 0\` as a child
  process (freshly built \`dist/\`), dev mode, listening on 127.0.0.1, SQLite and its own CA in a
  temporary data folder, \`KEYLESS_LOG_LEVEL=warn\`. The deployment \`bench\` is created through
  ARM (\`PUT …/accounts/keyless-dev-ai/deployments/bench?api-version=2023-05-01\` with the dev
  user's management token) with \`properties.upstream\` \`{"kind": "openai-compatible",
  "baseUrl": "http://127.0.0.1:PORT/v1"}\`. **D** sends \`api-key\` (key1 from \`POST …/listKeys\`);
  **E** sends a bearer token of the dev service principal for
  \`https://cognitiveservices.azure.com\` (v2 client credentials), which Keyless verifies,
  authorizes with RBAC (Cognitive Services User on the account) and audits. Both write an audit
  record per request, always.
- **Load**: wrk ${machine.wrk} (1 thread, \`--timeout 10s\`) POSTing the same ${Buffer.byteLength(JSON.stringify(CHAT_REQUEST))}-byte JSON chat request
  to \`/accounts/keyless-dev-ai/openai/deployments/bench/chat/completions?api-version=2024-10-21\`
  on B–E (\`/v1/chat/completions\` on A), with only D and E carrying a credential. A Lua
  script counts responses by status and prints the percentiles of wrk's latency histogram.
  Throughput: ${settings.connections} keep-alive connections; latency: 1 connection; ${settings.seconds} s per run, after a
  ${settings.warmupSeconds} s warm-up run of each at ${settings.connections} connections.
- **Streaming**: a Node client (\`first-chunk.ts\`, undici, one kept-alive connection per
  contestant, TLS verified against Keyless's CA) sends \`"stream": true\` requests one at a
  time and times each from the call to the first body chunk, then reads and checks the whole
  stream. ${settings.rounds} rounds of ${settings.streamRequests} requests to each contestant, the order alternating, after 50 untimed
  requests each.
- **CPUs** (\`taskset --cpu-list\`, read back from \`/proc/PID/status\`): the upstream and every
  proxy on CPU ${figures.upstreamCpus}, wrk and the streaming client on CPU ${figures.loadCpus}. **The upstream shares
  the server core** with whichever contestant is under load, so every proxy's throughput
  includes the upstream's CPU time; per-request CPU time of the contestant's own processes
  (\`/proc/PID/stat\`, nginx's master and worker) and of the upstream are reported apart.
  The contestants are measured one at a time; the others sit idle.
- **Rounds**: ${settings.rounds} rounds, each a ${settings.connections}-connection run of every contestant, then a
  1-connection run of every contestant, in the order A→C→D→B→E and backwards by turns: B and E,
  which the goals compare, run back to back, so drift in the machine's speed hits both alike.
  Rates are total answers over total seconds; latency percentiles are the median round's (wrk's
  histograms cannot be merged). Other work on the server CPU (other processes,
  interrupts, hypervisor steal) is reported.

### Figures

Throughput, ${settings.connections} connections, all rounds (CPU per request: the contestant's processes + the upstream):

${markdownTable(throughputTable(figures))}

Latency, 1 connection (median round; "− A" is what the hop adds to the direct call):

${markdownTable(latencyTable(figures))}

Per round:

${markdownTable(roundsTable(figures))}

Streaming, time to first chunk at concurrency 1 (${settings.rounds} × ${settings.streamRequests} requests each):

${markdownTable(streamTable(figures))}

${verdicts(figures)
  .map((line) => `- ${line}`)
  .join("\n")}

Correctness: ${correctness(figures).join(" ")}
`;
}
