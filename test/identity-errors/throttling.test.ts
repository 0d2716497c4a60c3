/**
 * The failure throttle at the token endpoint, with KEYLESS_AUTH_FAILURE_LIMIT=3: after three
 * failed authentications a client id, or an address, gets 429 with Retry-After, even for a
 * request that would succeed; until the window passes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/kernel/index.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  assertOAuthError,
  assertTokenIssued,
  compact,
  postToken,
  secretForm,
} from "./token-requests.js";

const WINDOW_SECONDS = 300;

let keyless: TestKeyless;
const clock = new ManualClock(Date.now());

before(async () => {
  keyless = await startTestKeyless(
    {
      KEYLESS_AUTH_FAILURE_LIMIT: "3",
      KEYLESS_AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
    },
    { clock },
  );
});
after(async () => {
  await keyless?.stop();
});

async function newApplication(name: string) {
  const directory = keyless.server.identity.directory;
  const { application } = await directory.createApplication({
    tenantId: keyless.env.tenantId,
    displayName: name,
  });
  const { secret } = await directory.addClientSecret(application.appId);
  return { appId: application.appId, secret };
}

function assertThrottled(response: Awaited<ReturnType<typeof postToken>>) {
  assertOAuthError(response, {
    status: 429,
    error: "temporarily_unavailable",
    code: 50053,
    text: "Too many failed authentication attempts for this client, user or address.",
  });
  const retryAfter = Number(response.headers["retry-after"]);
  assert.ok(
    Number.isInteger(retryAfter),
    `Retry-After is whole seconds: ${response.headers["retry-after"]}`,
  );
  assert.ok(retryAfter > 0 && retryAfter <= WINDOW_SECONDS, `Retry-After ${retryAfter}`);
  assert.ok(
    response
      .json<{ error_description: string }>()
      .error_description.includes(`Try again in ${retryAfter} seconds.`),
  );
  return retryAfter;
}

describe("per client id", () => {
  test("the 4th attempt after 3 wrong secrets is 429 even with the right secret, until the window passes", async () => {
    const app = await newApplication("throttled-client");
    const right = secretForm(keyless, { client_id: app.appId, client_secret: app.secret });
    const wrong = { ...right, client_secret: "wrong" };
    // From three addresses, so only the client id reaches the limit.
    for (const address of ["10.1.0.1", "10.1.0.2", "10.1.0.3"]) {
      assertOAuthError(await postToken(keyless, wrong, { remoteAddress: address }), {
        status: 401,
        error: "invalid_client",
        code: 7000215,
      });
    }
    const start = clock.now();
    try {
      clock.advance(10_000);
      const retryAfter = assertThrottled(
        await postToken(keyless, right, { remoteAddress: "10.1.0.4" }),
      );
      assert.equal(retryAfter, WINDOW_SECONDS - 10);

      // The address was not the cause: another client from there is served.
      assertTokenIssued(
        await postToken(keyless, secretForm(keyless), { remoteAddress: "10.1.0.4" }),
      );
      // The client id is matched case-insensitively.
      assertThrottled(
        await postToken(
          keyless,
          { ...right, client_id: app.appId.toUpperCase() },
          { remoteAddress: "10.1.0.5" },
        ),
      );

      clock.set(start + WINDOW_SECONDS * 1000);
      assertTokenIssued(await postToken(keyless, right, { remoteAddress: "10.1.0.4" }));
    } finally {
      clock.set(start);
    }
  });

  test("wrong passwords count against the user, not the public client every user shares", async () => {
    const directory = keyless.server.identity.directory;
    const { application } = await directory.createApplication({
      tenantId: keyless.env.tenantId,
      displayName: "throttled-public-client",
      publicClient: true,
    });
    const form = compact({
      grant_type: "password",
      client_id: application.appId,
      username: keyless.env.user.userPrincipalName,
      password: keyless.env.user.password,
      scope: "https://management.azure.com/.default",
    });
    for (const address of ["10.2.0.1", "10.2.0.2", "10.2.0.3"]) {
      assertOAuthError(
        await postToken(keyless, { ...form, password: "wrong" }, { remoteAddress: address }),
        {
          status: 400,
          error: "invalid_grant",
          code: 50126,
        },
      );
    }
    assertThrottled(await postToken(keyless, form, { remoteAddress: "10.2.0.4" }));

    const other = await directory.createUser({
      tenantId: keyless.env.tenantId,
      userPrincipalName: "not-locked-out@keyless.test",
      displayName: "Not Locked Out",
      password: "Another-Passw0rd!",
    });
    assertTokenIssued(
      await postToken(
        keyless,
        { ...form, username: other.userPrincipalName, password: "Another-Passw0rd!" },
        { remoteAddress: "10.2.0.5" },
      ),
    );
  });

  test("unknown client ids count, so they cannot be enumerated at speed", async () => {
    for (let i = 0; i < 3; i++) {
      assertOAuthError(
        await postToken(
          keyless,
          secretForm(keyless, { client_id: `00000000-0000-4000-8000-00000000000${i}` }),
          { remoteAddress: "10.6.0.1" },
        ),
        { status: 400, error: "unauthorized_client", code: 700016 },
      );
    }
    assertThrottled(await postToken(keyless, secretForm(keyless), { remoteAddress: "10.6.0.1" }));
  });

  test("errors that are not failed authentications do not count", async () => {
    const app = await newApplication("not-throttled");
    const right = secretForm(keyless, { client_id: app.appId, client_secret: app.secret });
    for (let i = 0; i < 5; i++) {
      assertOAuthError(
        await postToken(
          keyless,
          { ...right, scope: "https://cognitiveservices.azure.com/x" },
          { remoteAddress: "10.3.0.1" },
        ),
        { status: 400, error: "invalid_scope", code: 1002012 },
      );
      assertOAuthError(
        await postToken(
          keyless,
          { ...right, grant_type: "authorization_code" },
          { remoteAddress: "10.3.0.1" },
        ),
        { status: 400, error: "unsupported_grant_type", code: 70003 },
      );
    }
    assertTokenIssued(await postToken(keyless, right, { remoteAddress: "10.3.0.1" }));
  });
});

describe("per address", () => {
  test("3 failures with different client ids from one address throttle that address only", async () => {
    const apps = await Promise.all(["a", "b", "c"].map((n) => newApplication(`address-${n}`)));
    for (const app of apps) {
      assertOAuthError(
        await postToken(
          keyless,
          secretForm(keyless, { client_id: app.appId, client_secret: "wrong" }),
          { remoteAddress: "10.4.0.1" },
        ),
        { status: 401, error: "invalid_client", code: 7000215 },
      );
    }
    // The dev application has no failures of its own; its right secret from that address is refused.
    assertThrottled(await postToken(keyless, secretForm(keyless), { remoteAddress: "10.4.0.1" }));
    // From another address the same request is served, and so are those applications.
    assertTokenIssued(await postToken(keyless, secretForm(keyless), { remoteAddress: "10.4.0.2" }));
    for (const app of apps) {
      assertTokenIssued(
        await postToken(
          keyless,
          secretForm(keyless, { client_id: app.appId, client_secret: app.secret }),
          { remoteAddress: "10.4.0.2" },
        ),
      );
    }
  });

  test("through HTTPS, the 429 reaches a real client with Retry-After", async () => {
    const app = await newApplication("https-throttled");
    const url = keyless.env.endpoints.token;
    const post = (secret: string) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(
          secretForm(keyless, { client_id: app.appId, client_secret: secret }),
        ),
      });
    for (let i = 0; i < 3; i++) assert.equal((await post("wrong")).status, 401);
    // Every request here comes from 127.0.0.1: the address is throttled as well as the client.
    const response = await post(app.secret);
    assert.equal(response.status, 429);
    assert.match(response.headers.get("retry-after") ?? "", /^\d+$/);
    const body = (await response.json()) as { error: string; error_codes: number[] };
    assert.equal(body.error, "temporarily_unavailable");
    assert.deepEqual(body.error_codes, [50053]);
  });
});
