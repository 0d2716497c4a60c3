import type { Usage } from "../model.js";
import { USAGE_KEY, usageObjectStart, usageOf } from "./answer-usage.js";

const NEWLINE = 0x0a;
const DATA_FIELD = Buffer.from("data:");
/** A usage event is a few hundred bytes; a longer unfinished line is not worth keeping. */
const MAX_PENDING_BYTES = 1 << 20;

/**
 * Watches server-sent events go by for a top-level `usage` object: the last chunk of an OpenAI
 * stream when the caller asked for `stream_options.include_usage`, or every chunk of a vLLM
 * stream with continuous usage. It neither copies nor decodes what it is shown: it looks for
 * `"usage":{` in the bytes, and only that line is decoded and parsed. Bytes after the last
 * newline of a chunk are kept until the rest of their line arrives.
 */
export class SseUsageWatcher {
  private pending: Buffer | undefined;
  private seen: Usage | undefined;

  /** The last usage seen, if any. */
  get usage(): Usage | undefined {
    return this.seen;
  }

  push(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = bytes.lastIndexOf(NEWLINE) + 1;
    if (end === 0) {
      this.keep(bytes);
      return;
    }
    const lines = this.pending
      ? Buffer.concat([this.pending, bytes.subarray(0, end)])
      : bytes.subarray(0, end);
    this.pending = undefined;
    this.scan(lines);
    if (end < bytes.length) this.keep(bytes.subarray(end));
  }

  /** The stream ended: a last line without its newline still counts. */
  end(): void {
    if (this.pending) this.scan(Buffer.concat([this.pending, Buffer.from("\n")]));
    this.pending = undefined;
  }

  private keep(bytes: Buffer): void {
    const pending = this.pending ? Buffer.concat([this.pending, bytes]) : Buffer.from(bytes);
    this.pending = pending.length > MAX_PENDING_BYTES ? undefined : pending;
  }

  /** `lines` ends with a newline. */
  private scan(lines: Buffer): void {
    for (let at = lines.indexOf(USAGE_KEY); at !== -1;) {
      const lineEnd = lines.indexOf(NEWLINE, at);
      const lineStart = lines.lastIndexOf(NEWLINE, at) + 1;
      if (
        usageObjectStart(lines, at) !== -1 &&
        lines.subarray(lineStart, lineStart + DATA_FIELD.length).equals(DATA_FIELD)
      ) {
        this.read(lines.toString("utf8", lineStart + DATA_FIELD.length, lineEnd));
      }
      at = lines.indexOf(USAGE_KEY, lineEnd);
    }
  }

  private read(json: string): void {
    let event: unknown;
    try {
      event = JSON.parse(json);
    } catch {
      return; // not JSON after all: the bytes go on unchanged, only the count is missed
    }
    this.seen = usageOf(event) ?? this.seen;
  }
}
