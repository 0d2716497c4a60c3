import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, loadConfig } from "./index.js";

test("defaults are the embedded dev setup", () => {
  const config = loadConfig();
  assert.equal(config.mode, "dev");
  assert.equal(config.httpsPort, 8443);
  assert.equal(config.httpPort, 8080);
  assert.equal(config.httpHost, "127.0.0.1");
  assert.equal(config.dataDir, ".keyless");
  assert.equal(config.databaseUrl, undefined);
});

test("precedence: defaults < file < environment < flags", () => {
  const file = join(mkdtempSync(join(tmpdir(), "keyless-config-")), "keyless.json");
  writeFileSync(
    file,
    JSON.stringify({
      httpsPort: 1001,
      httpPort: 1002,
      logLevel: "debug",
      hostNames: ["a.test", "b.test"],
    }),
  );
  const config = loadConfig({
    file,
    env: { KEYLESS_HTTPS_PORT: "2001", KEYLESS_HTTP_PORT: "2002" },
    flags: { httpsPort: "3001" },
  });
  assert.equal(config.httpsPort, 3001, "flag beats environment");
  assert.equal(config.httpPort, 2002, "environment beats file");
  assert.equal(config.logLevel, "debug", "file beats default");
  assert.deepEqual(config.hostNames, ["a.test", "b.test"]);
});

test("invalid values are refused with the source named", () => {
  assert.throws(
    () => loadConfig({ env: { KEYLESS_HTTPS_PORT: "70000" } }),
    /KEYLESS_HTTPS_PORT: expected a port/,
  );
  assert.throws(() => loadConfig({ env: { KEYLESS_MODE: "prod" } }), /KEYLESS_MODE/);
  assert.throws(() => loadConfig({ env: { KEYLESS_DATABASE_URL: "mysql://x" } }), ConfigError);
  assert.throws(() => loadConfig({ env: { KEYLESS_PUBLIC_URL: "http://insecure.test" } }), /https/);
  assert.throws(() => loadConfig({ env: { KEYLESS_TLS_CERT_FILE: "cert.pem" } }), /together/);
  assert.throws(
    () =>
      loadConfig({
        env: {
          KEYLESS_TOKEN_LIFETIME_MIN_SECONDS: "4000",
          KEYLESS_TOKEN_LIFETIME_MAX_SECONDS: "3700",
        },
      }),
    /must not be below/,
  );
  // msal-node renews 5 minutes early: lifetimes near that would fetch a token on every call.
  assert.throws(
    () => loadConfig({ env: { KEYLESS_TOKEN_LIFETIME_MIN_SECONDS: "300" } }),
    /above 600/,
  );
});

test("a configuration file with an unknown key is refused", () => {
  const file = join(mkdtempSync(join(tmpdir(), "keyless-config-")), "keyless.json");
  writeFileSync(file, JSON.stringify({ httpsPrt: 1 }));
  assert.throws(() => loadConfig({ file }), /unknown setting "httpsPrt"/);
});

test("the public URL loses a trailing slash", () => {
  assert.equal(
    loadConfig({ env: { KEYLESS_PUBLIC_URL: "https://keyless.example.test/" } }).publicUrl,
    "https://keyless.example.test",
  );
});
