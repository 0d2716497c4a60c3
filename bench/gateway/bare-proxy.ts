/**
 * The Node reverse-proxy floor: the least any Node HTTPS gateway pays per forwarded request,
 * with no Keyless code in it. A bare `node:https` server with Keyless's own certificate chain
 * and Fastify's keep-alive timeout that, per request, reads the body, maps
 * `…/deployments/{name}/{operation}` to `{upstream base path}/{operation}` as Keyless does, sends
 * the body on with undici over kept-alive connections (one Agent, as Keyless's forwarder) and
 * relays the answer's status, type and body chunk by chunk as they arrive. No routing
 * framework, authentication, authorization, JSON parsing, audit or logging; a caller that
 * goes away aborts the upstream request. Nothing from src/.
 *
 * argv[2]: JSON {@link BareProxyInput}. Once listening prints one line, `PROXY {json}`
 * ({@link BareProxyListening}); SIGTERM closes it and it exits 0.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";

export interface BareProxyInput {
  /** The upstream's base URL, e.g. `http://127.0.0.1:PORT/v1`. */
  upstreamBaseUrl: string;
  /** PEM files: the server certificate chain and its private key. */
  certFile: string;
  keyFile: string;
}

export interface BareProxyListening {
  /** `https://127.0.0.1:PORT`. */
  httpsUrl: string;
}

const OPERATION = /\/deployments\/[^/?]+\/([^?]+)/;
const PASSED_HEADERS = ["content-type", "content-length", "cache-control"];

const input = JSON.parse(process.argv[2] ?? "") as BareProxyInput;
const upstream = new URL(input.upstreamBaseUrl);
const prefix = upstream.pathname.replace(/\/+$/, "");
const agent = new Agent();

function fail(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) return void response.destroy();
  const body = JSON.stringify({ error: { code: String(status), message } });
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

async function forward(
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  abort: AbortController,
): Promise<void> {
  const operation = OPERATION.exec(request.url ?? "")?.[1];
  if (request.method !== "POST" || !operation) return fail(response, 404, "Not found.");
  const reply = await agent.request({
    origin: upstream.origin,
    path: `${prefix}/${operation}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    signal: abort.signal,
  });
  const headers: Record<string, string | string[]> = {};
  for (const name of PASSED_HEADERS) {
    const value = reply.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  response.writeHead(reply.statusCode, headers);
  if (headers["content-length"] !== undefined) {
    // A whole answer of known size: one write with the headers, as a framework's send does.
    const parts: Buffer[] = [];
    for await (const chunk of reply.body as AsyncIterable<Buffer>) parts.push(chunk);
    response.end(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    return;
  }
  for await (const chunk of reply.body as AsyncIterable<Buffer>) response.write(chunk);
  response.end();
}

const server = createServer(
  { cert: readFileSync(input.certFile, "utf8"), key: readFileSync(input.keyFile, "utf8") },
  (request, response) => {
    const abort = new AbortController();
    response.once("close", () => {
      if (!response.writableFinished) abort.abort();
    });
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      forward(request, response, Buffer.concat(parts), abort).catch((error: unknown) => {
        if (!abort.signal.aborted) fail(response, 502, `Upstream failed: ${String(error)}`);
      });
    });
  },
);
// Fastify's default, which Keyless keeps.
server.keepAliveTimeout = 72_000;
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void agent.close();
});
server.listen(0, "127.0.0.1", () => {
  const listening: BareProxyListening = {
    httpsUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
  process.stdout.write(`PROXY ${JSON.stringify(listening)}\n`);
});
