/**
 * The official ARM client pointed at a test Keyless the way users point it (`endpoint`), with
 * what the tests need to see on the wire: the token scopes it asks for, every request it
 * sends, each response's status and body, and the `RestError` it throws.
 */
import assert from "node:assert/strict";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { TokenCredential } from "@azure/identity";
import type { TestKeyless } from "./keyless.js";

export interface RecordedArmClient {
  client: AuthorizationManagementClient;
  /** The scopes the client asked its credential for, in order. */
  tokenScopes: string[];
  /** `METHOD url` of every request the client sent, in order. */
  requests: string[];
}

/**
 * `new AuthorizationManagementClient(credential, subscriptionId, { endpoint: keyless.httpsUrl })`,
 * recording scopes and requests; `credentialScopes` as users pass it to keep Azure's audience.
 */
export function armAuthorizationClient(
  keyless: TestKeyless,
  credential: TokenCredential,
  options: { credentialScopes?: string[] } = {},
): RecordedArmClient {
  const tokenScopes: string[] = [];
  const requests: string[] = [];
  const recording: TokenCredential = {
    getToken(scopes, getTokenOptions) {
      tokenScopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
      return credential.getToken(scopes, getTokenOptions);
    },
  };
  const client = new AuthorizationManagementClient(recording, keyless.env.subscriptionId, {
    endpoint: keyless.httpsUrl,
    ...options,
    additionalPolicies: [
      {
        position: "perCall",
        policy: {
          name: "recordRequests",
          sendRequest(request, next) {
            requests.push(`${request.method} ${request.url}`);
            return next(request);
          },
        },
      },
    ],
  });
  return { client, tokenScopes, requests };
}

/** What `onResponse` shows of the raw response. */
export interface RawArmResponse {
  status: number;
  /** The body as sent, parsed; undefined when empty. */
  body: unknown;
}

/** Runs an SDK call with an `onResponse` hook; returns its result and the raw response. */
export async function withRawResponse<T>(
  call: (options: {
    onResponse: (raw: { status: number; bodyAsText?: string | null }) => void;
  }) => Promise<T>,
): Promise<{ result: T; raw: RawArmResponse }> {
  let raw: RawArmResponse | undefined;
  const result = await call({
    onResponse: (response) => {
      const text = response.bodyAsText ?? "";
      raw = { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
    },
  });
  assert.ok(raw, "onResponse was called");
  return { result, raw };
}

/** Drains a paged list. */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

export interface ExpectedArmError {
  status: number;
  code: string;
  /** The exact message, or a pattern it matches. */
  message?: string | RegExp;
}

interface ArmRestError {
  statusCode?: number;
  code?: string;
  message: string;
  response?: { headers: { get(name: string): string | undefined } };
}

/** Asserts the SDK threw a `RestError` carrying ARM's status, code, message and `x-ms-error-code`. */
export async function assertArmRejects(
  promise: Promise<unknown>,
  expected: ExpectedArmError,
): Promise<void> {
  await assert.rejects(promise, (error: ArmRestError) => {
    assert.equal(error.statusCode, expected.status, `${error.code}: ${error.message}`);
    assert.equal(error.code, expected.code, error.message);
    if (typeof expected.message === "string") assert.equal(error.message, expected.message);
    else if (expected.message) assert.match(error.message, expected.message);
    assert.equal(error.response?.headers.get("x-ms-error-code"), expected.code);
    return true;
  });
}

/** ARM's 403 text (azure-facts.md §3): the client is a user's UPN or an application's app id. */
export const authorizationFailedMessage = (
  client: string,
  objectId: string,
  action: string,
  scope: string,
): string =>
  `The client '${client}' with object id '${objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;
