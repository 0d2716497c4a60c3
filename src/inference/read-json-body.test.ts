import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { DataPlaneError } from "./errors.js";
import { BODY_LIMIT, readJsonBody } from "./read-json-body.js";

let server: Server;
let port: number;

/** Answers with what `readJsonBody` made of the request: the value, or the refusal. */
before(async () => {
  server = createServer((request, response) => {
    readJsonBody(request).then(
      (body) => response.end(JSON.stringify({ body: body ?? "(none)" })),
      (error: unknown) => {
        assert.ok(error instanceof DataPlaneError, String(error));
        response.end(JSON.stringify({ status: error.status, code: error.code }));
      },
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

/** Sends `body` as given (a declared length may lie) and answers the server's verdict. */
async function verdict(
  headers: Record<string, string | number>,
  body?: string | Buffer,
  method = "POST",
): Promise<unknown> {
  const call = httpRequest({ host: "127.0.0.1", port, method, path: "/", headers });
  call.on("error", () => {}); // a refused body may reset the connection after the verdict
  if (body !== undefined) call.write(body);
  call.end();
  const [response] = (await once(call, "response")) as [NodeJS.ReadableStream];
  let text = "";
  for await (const chunk of response) text += String(chunk);
  return JSON.parse(text);
}

const JSON_TYPE = { "content-type": "application/json" };

test("a JSON object is parsed, whatever the media type's case and parameters", async () => {
  const body = '{"messages":[{"role":"user","content":"hi"}]}';
  assert.deepEqual(await verdict(JSON_TYPE, body), { body: JSON.parse(body) });
  assert.deepEqual(await verdict({ "content-type": "Application/JSON; charset=utf-8" }, body), {
    body: JSON.parse(body),
  });
});

test("no body, an empty body and a GET are no body", async () => {
  assert.deepEqual(await verdict({}), { body: "(none)" });
  assert.deepEqual(await verdict({ ...JSON_TYPE, "content-length": 0 }, ""), { body: "(none)" });
  assert.deepEqual(await verdict({ "transfer-encoding": "chunked", ...JSON_TYPE }, ""), {
    body: "(none)",
  });
  assert.deepEqual(await verdict({}, undefined, "GET"), { body: "(none)" });
});

test("anything but JSON is 415", async () => {
  for (const type of ["application/xml", "application/x-www-form-urlencoded", "text/plain"]) {
    assert.deepEqual(await verdict({ "content-type": type }, "a=b"), {
      status: 415,
      code: "UnsupportedMediaType",
    });
  }
  assert.deepEqual(await verdict({ "content-length": 3 }, "a=b"), {
    status: 415,
    code: "UnsupportedMediaType",
  });
});

test("text that is not JSON, and prototype keys, are 400", async () => {
  for (const body of [
    "{not json",
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{}}}',
    // Escaped spellings, which only the full scan finds, nested as deep as a message's fields.
    '{"messages":[{"\\u005f_proto__":{"admin":true}}]}',
    '{"c\\u006fnstructor":{"prototype":{}}}',
  ]) {
    assert.deepEqual(await verdict(JSON_TYPE, body), { status: 400, code: "BadRequest" }, body);
  }
});

test("a leading byte order mark is allowed, as before", async () => {
  assert.deepEqual(await verdict(JSON_TYPE, '\ufeff{"a":1}'), { body: { a: 1 } });
});

test("a body over the limit is 413, whether declared or streamed", async () => {
  const big = Buffer.alloc(BODY_LIMIT + 1, " ");
  assert.deepEqual(await verdict({ ...JSON_TYPE, "content-length": big.length }, big), {
    status: 413,
    code: "RequestEntityTooLarge",
  });
  assert.deepEqual(await verdict({ ...JSON_TYPE, "transfer-encoding": "chunked" }, big), {
    status: 413,
    code: "RequestEntityTooLarge",
  });
});
