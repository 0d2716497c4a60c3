import { Agent, request } from "undici";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * HTTP(S) requests that verify the server's certificate against Keyless's CA only (plain HTTP
 * for the upstream), each bounded in time. For setting up and checking, not for load.
 */
export class TrustedClient {
  private readonly agent: Agent;

  constructor(ca: Buffer) {
    this.agent = new Agent({ connect: { ca } });
  }

  async send(
    method: "GET" | "PUT" | "POST",
    url: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Reply> {
    const reply = await request(url, {
      method,
      headers,
      body,
      dispatcher: this.agent,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: reply.statusCode, headers: reply.headers, text: await reply.body.text() };
  }

  json(method: "GET" | "PUT" | "POST", url: string, body: unknown, token?: string) {
    return this.send(
      method,
      url,
      {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body === undefined ? undefined : JSON.stringify(body),
    );
  }

  /** POSTs a form and fails unless the answer is a 2xx. */
  async form(url: string, fields: Record<string, string>): Promise<unknown> {
    const reply = await this.send(
      "POST",
      url,
      { "content-type": "application/x-www-form-urlencoded" },
      new URLSearchParams(fields).toString(),
    );
    if (reply.status < 200 || reply.status > 299)
      throw new Error(`POST ${url}: ${reply.status} ${reply.text}`);
    return JSON.parse(reply.text) as unknown;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
