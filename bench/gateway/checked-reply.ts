import { CHAT_REQUEST, completionProblem, streamProblem } from "./chat-completion.js";
import type { TrustedClient } from "./trusted-client.js";

/** One contestant's address, and the header that carries its credential, if any. */
export interface Target {
  url: string;
  credential?: { name: string; value: string };
}

export interface CheckedReplies {
  /** Bytes of the JSON answer and its content type. */
  jsonBytes: number;
  jsonType: string;
  /** Events of the streamed answer and its content type. */
  streamEvents: number;
  streamType: string;
}

/**
 * One plain and one streamed chat request over TLS verified against Keyless's CA, each checked
 * against what the upstream sends (the same answer, every chunk, `[DONE]`); fails otherwise.
 */
export async function checkReplies(
  client: TrustedClient,
  name: string,
  target: Target,
): Promise<CheckedReplies> {
  const headers = {
    "content-type": "application/json",
    ...(target.credential ? { [target.credential.name]: target.credential.value } : {}),
  };
  const plain = await client.send("POST", target.url, headers, JSON.stringify(CHAT_REQUEST));
  const plainProblem =
    plain.status === 200 ? completionProblem(plain.text) : `${plain.status} ${plain.text}`;
  if (plainProblem) throw new Error(`${name} answered wrongly: ${plainProblem}`);
  const streamed = await client.send(
    "POST",
    target.url,
    headers,
    JSON.stringify({ ...CHAT_REQUEST, stream: true, stream_options: { include_usage: true } }),
  );
  const streamedProblem =
    streamed.status === 200 ? streamProblem(streamed.text) : `${streamed.status} ${streamed.text}`;
  if (streamedProblem) throw new Error(`${name} streamed wrongly: ${streamedProblem}`);
  return {
    jsonBytes: Buffer.byteLength(plain.text),
    jsonType: String(plain.headers["content-type"]),
    streamEvents: streamed.text.split("\n\n").filter((event) => event.trim()).length,
    streamType: String(streamed.headers["content-type"]),
  };
}
