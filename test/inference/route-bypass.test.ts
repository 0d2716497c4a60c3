/**
 * Route normalisation cannot be talked round: a principal allowed to call one deployment
 * ("allowed", by a role assignment on that deployment alone) sends crafted paths and bodies
 * that try to reach its sibling ("secret"). Requests go out over HTTPS exactly as written
 * (node:https does not normalise paths), and every one either answers from "allowed" or is
 * refused; none ever reaches "secret".
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  assignRoleToServicePrincipal,
  mintToken,
  putDevDeployment,
} from "../support/arm-requests.js";
import { azureRoleIds } from "../support/azure-role-ids.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import { rawHttpsRequest, type RawResponse } from "../support/raw-https-request.js";
import { createTestServicePrincipal } from "../support/test-principals.js";

let keyless: TestKeyless;
let token: string;
let accountId: string;
const ACCOUNT = "keyless-dev-ai";
const SECRET_MODEL = "secret-model";

/** A request as the tester crafts it, with its token. */
function rawRequest(
  path: string,
  body: string,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<RawResponse> {
  return rawHttpsRequest(keyless.httpsUrl, {
    method,
    path,
    body,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
  });
}

const CHAT = JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 5 });
const chatWith = (model: unknown) =>
  JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 5 });
const API = "?api-version=2024-10-21";

const putDeployment = (name: string, model: string) =>
  putDevDeployment(keyless, name, { model: { format: "OpenAI", name: model, version: "1" } });

before(async () => {
  keyless = await startTestKeyless();
  accountId = keyless.env.account.resourceId;
  await putDeployment("allowed", "gpt-4o");
  await putDeployment("secret", SECRET_MODEL);
  const principal = await createTestServicePrincipal(keyless, "bypass-tester");
  await assignRoleToServicePrincipal(
    keyless,
    `${accountId}/deployments/allowed`,
    azureRoleIds.cognitiveServicesUser,
    principal.objectId,
  );
  token = await mintToken(
    keyless,
    { appId: principal.appId, secret: principal.secret },
    "https://cognitiveservices.azure.com",
  );
  // The assignment reaches the data plane through the change feed (≤ 1 s).
  const deadline = Date.now() + 3000;
  const allowedPath = `/accounts/${ACCOUNT}/openai/deployments/allowed/chat/completions${API}`;
  while ((await rawRequest(allowedPath, CHAT)).status !== 200) {
    assert.ok(Date.now() < deadline, "the assignment never took effect");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

after(() => keyless.stop());

/** Either answered by "allowed" or refused with one of `refusals`; never by "secret". */
function assertNoBypass(response: RawResponse, refusals: number[]): void {
  assert.ok(
    !response.body.includes(SECRET_MODEL),
    `reached the secret deployment: ${response.body}`,
  );
  if (response.status === 200) {
    assert.match(JSON.parse(response.body).model as string, /^gpt-4o/);
    return;
  }
  assert.ok(refusals.includes(response.status), `${response.status} ${response.body}`);
  const error = (JSON.parse(response.body) as { error: { code: string } }).error;
  assert.ok(error.code, response.body);
}

const refusedByRbac = [401];
const notARoute = [404];
const badRequest = [400];

const cases: Array<{
  name: string;
  path: string;
  body?: string;
  refusals: number[];
  method?: string;
  headers?: Record<string, string>;
}> = [
  {
    name: "the sibling by name",
    path: `/accounts/${ACCOUNT}/openai/deployments/secret/chat/completions${API}`,
    refusals: refusedByRbac,
  },
  {
    name: "the sibling in upper case",
    path: `/accounts/${ACCOUNT}/openai/deployments/SECRET/chat/completions${API}`,
    refusals: refusedByRbac,
  },
  {
    name: "every literal in upper case",
    path: `/ACCOUNTS/${ACCOUNT.toUpperCase()}/OPENAI/DEPLOYMENTS/SECRET/CHAT/COMPLETIONS${API}`,
    refusals: refusedByRbac,
  },
  {
    name: "duplicate slashes",
    path: `//accounts//${ACCOUNT}//openai//deployments//secret//chat//completions${API}`,
    refusals: refusedByRbac,
  },
  {
    name: "dot-dot after the allowed name",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed/../secret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "encoded dot-dot",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed/%2e%2e/secret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "encoded slash inside the name",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed%2F..%2Fsecret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "double-encoded slash",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed%252F..%252Fsecret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "encoded backslash",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed%5C..%5Csecret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "climbing out of the operation",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed/chat/completions/../../../secret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "encoded slash in the operation",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed/chat%2Fcompletions${API}`,
    refusals: notARoute,
  },
  {
    name: "a NUL byte after the name",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed%00/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "a trailing space in the name",
    path: `/accounts/${ACCOUNT}/openai/deployments/secret%20/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "a non-ASCII look-alike",
    path: `/accounts/${ACCOUNT}/openai/deployments/%C5%BFecret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "a path parameter",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed;/../secret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "an encoded slash in the account",
    path: `/accounts/${ACCOUNT}%2Fopenai/deployments/secret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "an absolute-form target",
    path: `https://localhost/accounts/${ACCOUNT}/openai/deployments/secret/chat/completions${API}`,
    refusals: notARoute,
  },
  {
    name: "the path wins over the body's model",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed/chat/completions${API}`,
    body: chatWith("secret"),
    refusals: [],
  },
  {
    name: "a query parameter naming the sibling",
    path: `/accounts/${ACCOUNT}/openai/deployments/allowed/chat/completions${API}&deployment=secret&model=secret`,
    refusals: [],
  },
  {
    name: "v1 with the sibling as model",
    path: `/accounts/${ACCOUNT}/openai/v1/chat/completions`,
    body: chatWith("secret"),
    refusals: refusedByRbac,
  },
  {
    name: "v1 with the sibling in upper case",
    path: `/accounts/${ACCOUNT}/openai/v1/chat/completions`,
    body: chatWith("SECRET"),
    refusals: refusedByRbac,
  },
  {
    name: "v1 with a model that climbs",
    path: `/accounts/${ACCOUNT}/openai/v1/chat/completions`,
    body: chatWith("allowed/../secret"),
    refusals: badRequest,
  },
  {
    name: "v1 with a model with a trailing space",
    path: `/accounts/${ACCOUNT}/openai/v1/chat/completions`,
    body: chatWith("secret "),
    refusals: badRequest,
  },
  {
    name: "v1 with a model array",
    path: `/accounts/${ACCOUNT}/openai/v1/chat/completions`,
    body: chatWith(["allowed", "secret"]),
    refusals: badRequest,
  },
  {
    name: "v1 with a duplicated model key",
    path: `/accounts/${ACCOUNT}/openai/v1/chat/completions`,
    body: `{"model":"allowed","model":"secret","messages":[{"role":"user","content":"hi"}]}`,
    refusals: refusedByRbac,
  },
  {
    name: "models with the sibling",
    path: `/accounts/${ACCOUNT}/models/chat/completions?api-version=2024-05-01-preview`,
    body: chatWith("secret"),
    refusals: refusedByRbac,
  },
  {
    name: "models info of the sibling",
    path: `/accounts/${ACCOUNT}/models/info?model=secret`,
    method: "GET",
    refusals: refusedByRbac,
  },
  {
    name: "a host naming another account",
    path: `/accounts/${ACCOUNT}/openai/deployments/secret/chat/completions${API}`,
    headers: { host: "secret.localhost" },
    refusals: refusedByRbac,
  },
];

test("at least 20 crafted requests, none reaches the sibling deployment", async (t) => {
  assert.ok(cases.length >= 20);
  for (const crafted of cases) {
    await t.test(crafted.name, async () => {
      const response = await rawRequest(
        crafted.path,
        crafted.body ?? CHAT,
        crafted.headers,
        crafted.method,
      );
      assertNoBypass(response, crafted.refusals);
    });
  }
});

test("the refusal names the missing data action", async () => {
  const response = await rawRequest(
    `/accounts/${ACCOUNT}/openai/deployments/secret/chat/completions${API}`,
    CHAT,
  );
  assert.equal(response.status, 401);
  assert.match(
    response.body,
    /lacks the required data action `Microsoft\.CognitiveServices\/accounts\/OpenAI\/deployments\/chat\/completions\/action`/,
  );
});
