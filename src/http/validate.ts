import type { Context } from "hono";
import type { z } from "zod";
import { check } from "../api/check";
import { EngineError } from "../core/errors";
import { MAX_REQUEST_BYTES } from "../core/limits";

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const r = check(schema, input, where);
  if (!r.ok) throw new EngineError(r.error);
  return r.value;
}

/** Reads and validates a JSON body (see readJsonText). */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return (await jsonBodyWithText(c, schema)).value;
}

/** jsonBody, plus the body's text (for readers that must see numbers exactly as sent). */
export async function jsonBodyWithText<S extends z.ZodType>(c: Context, schema: S): Promise<{ value: z.output<S>; text: string }> {
  const text = await readJsonText(c);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EngineError({ code: "INVALID_REQUEST", message: "request body is not valid JSON" });
  }
  return { value: parseWith(schema, json, "body"), text };
}

/**
 * Reads a JSON body's text: requires a JSON content type, accepts `Content-Encoding: gzip`, refuses
 * bodies over MAX_REQUEST_BYTES (counted after decompression, so a small bomb cannot explode).
 */
export async function readJsonText(c: Context): Promise<string> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new EngineError({ code: "UNSUPPORTED_MEDIA_TYPE", message: `expected Content-Type: application/json, got '${type || "none"}'`, field: "content-type" });
  }
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_REQUEST_BYTES) throw tooLarge();
  const encoding = (c.req.header("content-encoding") ?? "identity").toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    throw new EngineError({ code: "UNSUPPORTED_MEDIA_TYPE", message: `Content-Encoding '${encoding}' is not supported; use gzip or none`, field: "content-encoding" });
  }
  const raw = c.req.raw.body;
  if (!raw) throw new EngineError({ code: "INVALID_REQUEST", message: "request body is empty; expected JSON" });
  const stream = encoding === "gzip" ? raw.pipeThrough(new DecompressionStream("gzip")) : raw;
  try {
    return await readCapped(stream);
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError({ code: "INVALID_REQUEST", message: "request body could not be decompressed as gzip", field: "content-encoding" });
  }
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

function tooLarge(): EngineError {
  return new EngineError({ code: "RECORD_LIST_TOO_LARGE", message: `request body exceeds ${MAX_REQUEST_BYTES} bytes` });
}

/** Like jsonBody, but an absent body (no Content-Length, or 0) means `{}`: heartbeats need no body. */
export async function optionalJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const length = c.req.header("content-length");
  const hasBody = c.req.raw.body !== null && length !== "0" && (length !== undefined || c.req.header("transfer-encoding") !== undefined);
  return hasBody ? jsonBody(c, schema) : parseWith(schema, {}, "body");
}

export function query<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query(), "query");
}
