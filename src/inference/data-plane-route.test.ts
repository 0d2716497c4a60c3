import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDataPlaneRoute } from "./data-plane-route.js";

test("every route shape normalises to one account and target", () => {
  const deployment = parseDataPlaneRoute(
    "POST",
    "/accounts/Acme/openai/deployments/GPT-4o/chat/completions?api-version=2024-10-21",
  );
  assert.deepEqual(deployment?.target, {
    kind: "deployment",
    operation: "chat/completions",
    deployment: "GPT-4o",
  });
  assert.equal(deployment?.account, "Acme");
  assert.equal(deployment?.template, "POST /openai/deployments/{deployment-id}/chat/completions");
  assert.equal(new URLSearchParams(deployment?.query).get("api-version"), "2024-10-21");

  assert.deepEqual(parseDataPlaneRoute("POST", "/accounts/a/openai/v1/embeddings")?.target, {
    kind: "model-in-body",
    surface: "openai-v1",
    operation: "embeddings",
  });
  assert.deepEqual(parseDataPlaneRoute("GET", "/accounts/a/openai/v1/models")?.target, {
    kind: "list-models",
  });
  assert.deepEqual(parseDataPlaneRoute("POST", "/accounts/a/models/chat/completions")?.target, {
    kind: "model-in-body",
    surface: "models",
    operation: "chat/completions",
  });
  assert.deepEqual(parseDataPlaneRoute("GET", "/accounts/a/models/info?model=x")?.target, {
    kind: "model-info",
  });
});

test("a host account addresses routes without the path prefix, and must agree with one", () => {
  assert.equal(parseDataPlaneRoute("POST", "/openai/v1/chat/completions", "acme")?.account, "acme");
  assert.equal(
    parseDataPlaneRoute("POST", "/accounts/ACME/openai/v1/chat/completions", "acme")?.account,
    "ACME",
  );
  assert.equal(
    parseDataPlaneRoute("POST", "/accounts/other/openai/v1/chat/completions", "acme"),
    undefined,
  );
  assert.equal(parseDataPlaneRoute("POST", "/openai/v1/chat/completions"), undefined);
});

test("methods and operations outside the table are not routes", () => {
  assert.equal(
    parseDataPlaneRoute("GET", "/accounts/a/openai/deployments/d/chat/completions"),
    undefined,
  );
  assert.equal(
    parseDataPlaneRoute("POST", "/accounts/a/openai/deployments/d/images/generations"),
    undefined,
  );
  assert.equal(parseDataPlaneRoute("POST", "/accounts/a/models/completions"), undefined);
  assert.equal(parseDataPlaneRoute("DELETE", "/accounts/a/openai/v1/models"), undefined);
});

test("a malformed percent escape refuses the URL", () => {
  assert.equal(
    parseDataPlaneRoute("POST", "/accounts/a/openai/deployments/%E0%A4%A/chat/completions"),
    undefined,
  );
});
