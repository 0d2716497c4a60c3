import {
  startKeylessProcess,
  type KeylessProcess,
  type KeylessProcessOptions,
} from "../support/keyless-process.js";
import type { PinnedProcesses } from "../support/pinned-processes.js";
import { completionProblem } from "./chat-completion.js";
import { TrustedClient } from "./trusted-client.js";

/** The deployment the benchmark creates; every contestant gets its URL path. */
export const DEPLOYMENT = "bench";
export const CHAT_PATH = `/accounts/keyless-dev-ai/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2024-10-21`;
const ARM_API_VERSION = "2023-05-01";
const DATA_PLANE_SCOPE = "https://cognitiveservices.azure.com/.default";

/** Keyless under benchmark; `httpsUrl` is `https://127.0.0.1:PORT`. */
export type KeylessGateway = KeylessProcess;

/** What a data-plane caller presents: an account key, or a bearer token and who it names. */
export interface Credentials {
  apiKey: string;
  token: string;
  /** The dev service principal's object id, as audit records name it. */
  principalId: string;
}

/** `node dist/main.js start` pinned to `cpus`: dev mode, loopback only, free ports. */
export async function startKeyless(
  processes: PinnedProcesses,
  cpus: string,
  repoRoot: string,
  dataDir: string,
  nodeArgs: string[] = [],
  wrapper?: KeylessProcessOptions["wrapper"],
): Promise<KeylessGateway> {
  const keyless = await startKeylessProcess(processes, cpus, {
    repoRoot,
    dataDir,
    nodeArgs,
    settings: { KEYLESS_HTTPS_HOST: "127.0.0.1", KEYLESS_HTTP_HOST: "127.0.0.1" },
    ...(wrapper && { wrapper }),
  });
  return { ...keyless, httpsUrl: keyless.httpsUrl.replace("//localhost:", "//127.0.0.1:") };
}

/**
 * Through Keyless's own APIs, as an operator and a client would: a management token for the
 * dev user (Owner of the dev subscription), the deployment `bench` forwarding to `upstreamBaseUrl`
 * (`PUT …/deployments/bench`), the account's key (`POST …/listKeys`), and a data-plane token
 * for the dev service principal (Cognitive Services User on the account).
 */
export async function setUpDeployment(
  keyless: KeylessGateway,
  upstreamBaseUrl: string,
): Promise<Credentials> {
  const { dev } = keyless;
  const client = new TrustedClient(keyless.ca);
  try {
    const management = (await client.form(`${keyless.httpsUrl}/${dev.tenantId}/oauth2/token`, {
      grant_type: "password",
      client_id: dev.publicClient.appId,
      username: dev.user.userPrincipalName,
      password: dev.user.password,
      resource: "https://management.azure.com",
    })) as { access_token: string };
    const account = `${keyless.httpsUrl}${dev.account.resourceId}`;
    const put = await client.json(
      "PUT",
      `${account}/deployments/${DEPLOYMENT}?api-version=${ARM_API_VERSION}`,
      {
        sku: { name: "Standard", capacity: 1 },
        properties: {
          model: { format: "OpenAI", name: "gpt-4o-mini", version: "2024-07-18" },
          upstream: { kind: "openai-compatible", baseUrl: upstreamBaseUrl },
        },
      },
      management.access_token,
    );
    if (put.status !== 200 && put.status !== 201)
      throw new Error(`PUT deployment: ${put.status} ${put.text}`);
    const keys = await client.json(
      "POST",
      `${account}/listKeys?api-version=${ARM_API_VERSION}`,
      undefined,
      management.access_token,
    );
    if (keys.status !== 200) throw new Error(`listKeys: ${keys.status} ${keys.text}`);
    const credentials = {
      apiKey: (JSON.parse(keys.text) as { key1: string }).key1,
      token: await dataPlaneToken(client, keyless),
      principalId: dev.servicePrincipal.objectId,
    };
    await waitForDeployment(client, keyless, credentials);
    return credentials;
  } finally {
    await client.close();
  }
}

/**
 * A data-plane token for the dev service principal (Cognitive Services User on the account),
 * issued by `keyless` itself: a token names its issuer's address, so a Keyless restarted on
 * another port needs one of its own.
 */
export async function dataPlaneToken(
  client: TrustedClient,
  keyless: KeylessGateway,
): Promise<string> {
  const { dev } = keyless;
  const token = (await client.form(`${keyless.httpsUrl}/${dev.tenantId}/oauth2/v2.0/token`, {
    grant_type: "client_credentials",
    client_id: dev.servicePrincipal.appId,
    client_secret: dev.servicePrincipal.secret,
    scope: DATA_PLANE_SCOPE,
  })) as { access_token: string };
  return token.access_token;
}

/** The data plane learns of the deployment from the change feed: ask until it answers (≤ 10 s). */
async function waitForDeployment(
  client: TrustedClient,
  keyless: KeylessGateway,
  credentials: Credentials,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const reply = await client.send(
      "POST",
      `${keyless.httpsUrl}${CHAT_PATH}`,
      { "content-type": "application/json", "api-key": credentials.apiKey },
      JSON.stringify({ messages: [{ role: "user", content: "ping" }] }),
    );
    if (reply.status === 200 && !completionProblem(reply.text)) return;
    if (Date.now() > deadline)
      throw new Error(
        `the deployment does not answer through Keyless: ${reply.status} ${reply.text}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
