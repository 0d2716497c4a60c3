/**
 * In-process ARM requests for the control plane's negative tests: access tokens minted
 * through Keyless's own token endpoint (a form POST, as any client sends it) and requests
 * through Fastify's `inject`, plus the check of ARM's error shape.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { roleDefinitionArmId } from "./azure-role-ids.js";
import type { TestKeyless } from "./keyless.js";

/** Who a token is for: an application with a secret, or a user with a password. */
export type TokenSubject =
  { appId: string; secret: string } | { userPrincipalName: string; password: string };

/**
 * A v1 token (`POST /{tenant}/oauth2/token` with `resource=`, as az and the managed-identity
 * endpoints ask) whose `aud` is `resource` exactly as spelled, trailing slash included.
 */
export async function mintToken(
  keyless: TestKeyless,
  subject: TokenSubject,
  resource = "https://management.azure.com",
): Promise<string> {
  const form: Record<string, string> =
    "appId" in subject
      ? {
          grant_type: "client_credentials",
          client_id: subject.appId,
          client_secret: subject.secret,
          resource,
        }
      : {
          grant_type: "password",
          client_id: keyless.env.publicClient.appId,
          username: subject.userPrincipalName,
          password: subject.password,
          resource,
        };
  const response = await keyless.server.https.inject({
    method: "POST",
    url: `/${keyless.env.tenantId}/oauth2/token`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(form).toString(),
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ access_token: string }>().access_token;
}

/** The dev user (Owner of the dev subscription) as a token subject. */
export const devUser = (keyless: TestKeyless): TokenSubject => ({
  userPrincipalName: keyless.env.user.userPrincipalName,
  password: keyless.env.user.password,
});

export interface ArmRequest {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One ARM request in process; `url` is sent as is (double slashes included). */
export function armRequest(
  keyless: TestKeyless,
  method: "GET" | "PUT" | "DELETE" | "POST" | "PATCH",
  url: string,
  request: ArmRequest = {},
): Promise<LightMyRequestResponse> {
  return keyless.server.https.inject({
    method,
    url,
    headers: {
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
      ...(request.body !== undefined ? { "content-type": "application/json" } : {}),
      ...request.headers,
    },
    ...(request.body !== undefined ? { payload: JSON.stringify(request.body) } : {}),
  });
}

/**
 * Asserts ARM's error shape: the status, `{"error":{"code","message"}}` and nothing else, the
 * `x-ms-error-code` header equal to the code, and the message (exact, or matching a pattern).
 */
export function assertArmError(
  response: LightMyRequestResponse,
  status: number,
  code: string,
  message?: string | RegExp,
): string {
  const context = `${response.statusCode} ${response.body}`;
  assert.equal(response.statusCode, status, context);
  assert.match(String(response.headers["content-type"]), /^application\/json/);
  assert.equal(response.headers["x-ms-error-code"], code, context);
  const body = response.json<{ error: { code: string; message: string } }>();
  assert.deepEqual(Object.keys(body), ["error"], context);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message"], context);
  assert.equal(body.error.code, code, context);
  if (typeof message === "string") assert.equal(body.error.message, message);
  else if (message) assert.match(body.error.message, message);
  return body.error.message;
}

/**
 * Replaces the dev account's settable properties through ARM as the dev user (a GET, then a PUT
 * of the same account with `properties` — and its sub-domain — as the only properties).
 */
export async function putDevAccountProperties(
  keyless: TestKeyless,
  properties: Record<string, unknown>,
): Promise<void> {
  const token = await mintToken(keyless, devUser(keyless));
  const url = `${keyless.env.account.resourceId}?api-version=2023-05-01`;
  const current = (await armRequest(keyless, "GET", url, { token })).json<{
    location: string;
    kind: string;
    sku: unknown;
    properties: Record<string, unknown>;
  }>();
  const response = await armRequest(keyless, "PUT", url, {
    token,
    body: {
      location: current.location,
      kind: current.kind,
      sku: current.sku,
      properties: { customSubDomainName: current.properties.customSubDomainName, ...properties },
    },
  });
  assert.equal(response.statusCode, 200, response.body);
}

/** Creates a deployment of the dev account through ARM as the dev user; answers ARM's 201. */
export async function putDevDeployment(
  keyless: TestKeyless,
  name: string,
  properties: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  const response = await armRequest(
    keyless,
    "PUT",
    `${keyless.env.account.resourceId}/deployments/${name}?api-version=2023-05-01`,
    {
      token: await mintToken(keyless, devUser(keyless)),
      body: { sku: { name: "Standard", capacity: 1000 }, properties },
    },
  );
  assert.equal(response.statusCode, 201, response.body);
  return response;
}

/** Assigns a built-in role (by GUID) to a service principal at `scope`, through ARM as the dev user. */
export async function assignRoleToServicePrincipal(
  keyless: TestKeyless,
  scope: string,
  roleId: string,
  principalId: string,
): Promise<void> {
  const response = await armRequest(
    keyless,
    "PUT",
    `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
    {
      token: await mintToken(keyless, devUser(keyless)),
      body: {
        properties: {
          roleDefinitionId: roleDefinitionArmId(keyless.env.subscriptionId, roleId),
          principalId,
          principalType: "ServicePrincipal",
        },
      },
    },
  );
  assert.equal(response.statusCode, 201, response.body);
}
