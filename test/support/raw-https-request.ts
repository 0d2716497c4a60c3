/**
 * One HTTPS request whose path (and Host header) go out byte for byte as given: `fetch` and
 * `inject` normalise paths, which would hide what a crafted URL does to Keyless.
 */
import { request } from "node:https";

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The TLS server name; defaults to the base URL's host (the certificate's name). */
  servername?: string;
}

export interface RawResponse {
  status: number;
  body: string;
}

export function rawHttpsRequest(baseUrl: string, raw: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        servername: raw.servername ?? url.hostname,
        method: raw.method ?? "POST",
        path: raw.path,
        headers: raw.headers,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(raw.method === "GET" ? undefined : raw.body);
  });
}
