/**
 * The Node HTTPS floor: the least any Node token endpoint pays per token, with no Keyless
 * code in it. A bare `node:https` server with Keyless's own certificate chain (ECDSA P-256,
 * from Keyless's data folder) and the keep-alive timeout Fastify sets, that per POST reads the
 * form body, parses it with URLSearchParams, signs the same payload as the raw signing
 * baseline (sign-token.ts: async `crypto.sign('sha256')`, 2048-bit RSA) and answers
 * Keyless's v2 JSON shape with the headers OAuth requires. No routing, framework, storage,
 * client authentication or logging. Like sign-token.ts it imports nothing from src/.
 *
 * argv[2]: JSON {@link FloorInput}. Once listening prints one line, `FLOOR {json}`
 * ({@link FloorListening}); SIGTERM closes it and it exits 0.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { signToken, tokenLifetime, type TokenTemplate } from "./sign-token.js";

export interface FloorInput extends TokenTemplate {
  /** PEM files: the server certificate chain and its private key. */
  certFile: string;
  keyFile: string;
}

export interface FloorListening {
  /** `https://localhost:PORT`, as Keyless's URL is. */
  httpsUrl: string;
  /** SPKI PEM of the RSA key the floor signs with, to verify its tokens. */
  publicKeyPem: string;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(json),
    // RFC 6749 §5.1: a token response must not be cached. Keyless sends the same two.
    "cache-control": "no-store",
    pragma: "no-cache",
  });
  response.end(json);
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  form: string,
  template: TokenTemplate,
  key: KeyObject,
): Promise<void> {
  const params = new URLSearchParams(form);
  if (
    request.method !== "POST" ||
    params.get("grant_type") !== "client_credentials" ||
    !params.get("client_id") ||
    !params.get("scope")
  )
    return send(response, 400, { error: "invalid_request" });
  const lifetime = tokenLifetime(template);
  send(response, 200, {
    token_type: "Bearer",
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: await signToken(template, key),
  });
}

const input = JSON.parse(process.argv[2] ?? "") as FloorInput;
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const server = createServer(
  { cert: readFileSync(input.certFile, "utf8"), key: readFileSync(input.keyFile, "utf8") },
  (request, response) => {
    let form = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (form += chunk));
    request.on("end", () => {
      answer(request, response, form, input, privateKey).catch(() => {
        if (!response.headersSent) send(response, 500, { error: "server_error" });
      });
    });
  },
);
// Fastify's default; Node's 5 s would never fire under wrk's steady load either way.
server.keepAliveTimeout = 72_000;
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
});
server.listen(0, "localhost", () => {
  const listening: FloorListening = {
    httpsUrl: `https://localhost:${(server.address() as AddressInfo).port}`,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
  process.stdout.write(`FLOOR ${JSON.stringify(listening)}\n`);
});
