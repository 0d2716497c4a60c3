import type { IncomingMessage } from "node:http";
import secureJsonParse from "secure-json-parse";
import { DataPlaneError } from "./errors.js";

/** The largest body a data-plane request may carry, as the rest of Keyless accepts. */
export const BODY_LIMIT = 4 * 1024 * 1024;

const PARSE_OPTIONS = { protoAction: "error", constructorAction: "error" } as const;

/**
 * A data-plane request's JSON body: undefined when there is none (or it is empty), otherwise the
 * parsed value. Rejects with a `DataPlaneError` the caller can act on: 415 for anything but
 * `application/json`, 413 beyond {@link BODY_LIMIT}, 400 for text that is not JSON (including
 * `__proto__`/`constructor` keys, which could poison objects built from it), 499 when the caller
 * goes away before the body is complete.
 */
export function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const { headers } = request;
  const declared = headers["content-length"];
  const hasBody = headers["transfer-encoding"] !== undefined || (declared ?? "0") !== "0";
  if (request.method === "GET" || !hasBody) {
    return Promise.resolve(undefined);
  }
  if (!isJson(headers["content-type"])) {
    return Promise.reject(
      new DataPlaneError(
        415,
        "UnsupportedMediaType",
        `Unsupported Media Type: the body must be application/json, not '${headers["content-type"] ?? "none"}'.`,
      ),
    );
  }
  const expected = declared === undefined ? undefined : Number(declared);
  if (expected !== undefined && expected > BODY_LIMIT) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    request.on("data", (part: Buffer) => {
      size += part.length;
      if (size > BODY_LIMIT) {
        request.removeAllListeners("data");
        reject(tooLarge());
        return;
      }
      parts.push(part);
    });
    // The caller went away mid-body (Node's parser holds a body to its declared length).
    request.once("error", () =>
      reject(new DataPlaneError(499, "ClientClosedRequest", "The client closed the request.")),
    );
    request.once("end", () => {
      if (size > BODY_LIMIT) return;
      const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString("utf8");
      if (text === "") return resolve(undefined);
      try {
        resolve(parseJson(text));
      } catch {
        reject(
          new DataPlaneError(
            400,
            "BadRequest",
            "Body is not valid JSON but content-type is set to 'application/json'.",
          ),
        );
      }
    });
  });
}

/**
 * JSON.parse, with secure-json-parse's scan for `__proto__` and `constructor` keys only when the
 * text could hold one: spelled out, or escaped (`\u`). Its two regular expressions ran over
 * every body; a text with none of these (nor the byte order mark it strips) cannot match them.
 */
function parseJson(text: string): unknown {
  const suspect =
    text.includes("\\u") ||
    text.includes("__proto__") ||
    text.includes("constructor") ||
    text.charCodeAt(0) === 0xfeff;
  return suspect ? secureJsonParse(text, undefined, PARSE_OPTIONS) : JSON.parse(text);
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === "application/json") return true; // what clients send, as is
  const semicolon = contentType.indexOf(";");
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim();
  return mediaType.toLowerCase() === "application/json";
}

const tooLarge = () =>
  new DataPlaneError(
    413,
    "RequestEntityTooLarge",
    `Request body is too large: at most ${BODY_LIMIT} bytes are accepted.`,
  );
