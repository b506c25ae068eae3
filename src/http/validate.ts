import type { Context } from "hono";
import type { z } from "zod";
import { StreamError, type ErrorCode } from "../core/errors";
import { MAX_REQUEST_BYTES } from "../core/limits";

/** Turns a zod issue path like ["records", 3, "value"] into "records[3].value". */
function fieldOf(path: ReadonlyArray<PropertyKey>): string | undefined {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || undefined;
}

function invalid(error: z.ZodError, where: string): StreamError {
  const issue = error.issues[0];
  const field = fieldOf(issue.path);
  // Too many records is Kafka's RECORD_LIST_TOO_LARGE, not a generic shape error.
  const code: ErrorCode = field === "records" && issue.code === "too_big" ? "RECORD_LIST_TOO_LARGE" : "INVALID_REQUEST";
  const message = issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message;
  return new StreamError({ code, message: `${where}${field ? ` field '${field}'` : ""}: ${message}`, field });
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error, where);
  return parsed.data;
}

/**
 * Reads a JSON body: requires a JSON content type, accepts `Content-Encoding: gzip`, refuses
 * bodies over MAX_REQUEST_BYTES (counted after decompression, so a small bomb cannot explode).
 */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new StreamError({ code: "UNSUPPORTED_MEDIA_TYPE", message: `expected Content-Type: application/json, got '${type || "none"}'`, field: "content-type" });
  }
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_REQUEST_BYTES) throw tooLarge();
  const encoding = (c.req.header("content-encoding") ?? "identity").toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    throw new StreamError({ code: "UNSUPPORTED_MEDIA_TYPE", message: `Content-Encoding '${encoding}' is not supported; use gzip or none`, field: "content-encoding" });
  }
  const raw = c.req.raw.body;
  if (!raw) throw new StreamError({ code: "INVALID_REQUEST", message: "request body is empty; expected JSON" });
  const stream = encoding === "gzip" ? raw.pipeThrough(new DecompressionStream("gzip")) : raw;
  let text: string;
  try {
    text = await readCapped(stream);
  } catch (err) {
    if (err instanceof StreamError) throw err;
    throw new StreamError({ code: "INVALID_REQUEST", message: "request body could not be decompressed as gzip", field: "content-encoding" });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StreamError({ code: "INVALID_REQUEST", message: "request body is not valid JSON" });
  }
  return parseWith(schema, json, "body");
}

async function readCapped(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_REQUEST_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

function tooLarge(): StreamError {
  return new StreamError({ code: "RECORD_LIST_TOO_LARGE", message: `request body exceeds ${MAX_REQUEST_BYTES} bytes` });
}

export function query<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query(), "query");
}
