import { Hono, type Context } from "hono";
import { encodeBase64 } from "../core/base64";
import { DS_LONG_POLL_MS, DS_MAX_APPEND_BYTES, DS_RECORD_BYTES, DS_SSE_CONNECTION_MS } from "../core/limits";
import type { Env } from "../env";
import type { ProduceSession } from "../routing/idempotence";
import { offsetToken, parseOffset } from "../compat/durable-streams/names";
import { H, isTrue, jsonMessages, nextCursor, parseExpiresAt, parseProducer, parseTtl, splitAppend, sseAsText } from "../compat/durable-streams/protocol";
import { producerSession } from "../compat/durable-streams/producer";
import { appendStream, createStream, highestAccepted, expired, isJson, lastRead, mediaType, openStream, readStream, removeStream, tailOf, type ReadChunk, type Stream, type StreamMeta } from "../compat/durable-streams/store";

/**
 * The Durable Streams protocol (issue 19) at /v1/stream/:name: PUT creates, POST appends (and
 * closes), GET reads (catch-up, long-poll, SSE), HEAD describes, DELETE removes. Errors are the
 * protocol's statuses with a short text body; the protocol defines no error body.
 */
type C = Context<{ Bindings: Env }>;
export const durableStreamRoutes = new Hono<{ Bindings: Env }>();

/** Browser-facing headers on every answer, errors included (the conformance suite's "Browser Security Headers"). */
const EXPOSED = [H.nextOffset, H.upToDate, H.closed, H.cursor, H.ttl, H.expiresAt, H.producerEpoch, H.producerSeq, H.expectedSeq, H.receivedSeq, H.sseEncoding, "ETag", "Location"].join(", ");
durableStreamRoutes.on(["GET", "PUT", "POST", "DELETE", "OPTIONS"], "*", async (c, next) => {
  if (c.req.method === "OPTIONS") {
    return new Response(null, {
      status: 204,
      headers: {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": "*, Content-Type, If-None-Match, Authorization, Stream-Seq, Stream-TTL, Stream-Expires-At, Stream-Closed, Producer-Id, Producer-Epoch, Producer-Seq",
        "Access-Control-Max-Age": "86400",
      },
    });
  }
  await next();
  const res = c.res.headers.has("X-Content-Type-Options") ? c.res : new Response(c.res.body, c.res);
  res.headers.set("X-Content-Type-Options", "nosniff");
  res.headers.set("Cross-Origin-Resource-Policy", "cross-origin");
  res.headers.set("Access-Control-Allow-Origin", "*");
  res.headers.set("Access-Control-Expose-Headers", EXPOSED);
  c.res = res;
});

const nameOf = (c: C) => decodeURIComponent(new URL(c.req.url).pathname.replace(/^\/v1\/stream\//, ""));
const problem = (status: 400 | 404 | 409 | 410 | 413, message: string, headers: Record<string, string> = {}) =>
  new Response(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });

async function body(c: C): Promise<Uint8Array | undefined> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  return bytes.length === 0 ? undefined : bytes;
}

/**
 * A live stream: there, and not past its expiry (an expired one is deleted in the background).
 * `read`: this request reads the stream, which slides its Stream-TTL (HEAD does not).
 */
async function live(c: C, name: string, read = false): Promise<Stream | undefined> {
  const stream = await openStream(c.env, name);
  if (!stream) return undefined;
  if (stream.meta.ttl === undefined && stream.meta.expiresAt === undefined) return stream;
  const [tail, before] = await Promise.all([tailOf(c.env, stream), stream.meta.ttl !== undefined ? lastRead(c.env, stream, read) : undefined]);
  if (!expired(stream.meta, tail.ok ? tail : undefined, before, Date.now())) return stream;
  c.executionCtx.waitUntil(removeStream(c.env, name));
  return undefined;
}

function metaHeaders(meta: StreamMeta): Record<string, string> {
  const h: Record<string, string> = { "Content-Type": meta.contentType };
  if (meta.ttl !== undefined) h[H.ttl] = String(meta.ttl);
  if (meta.expiresAt !== undefined) h[H.expiresAt] = new Date(meta.expiresAt).toISOString();
  return h;
}

durableStreamRoutes.put("/*", async (c) => {
  const name = nameOf(c);
  if (name === "") return problem(400, "a stream needs a name");
  const ttl = parseTtl(c.req.header(H.ttl));
  const expiresAt = parseExpiresAt(c.req.header(H.expiresAt));
  if (ttl === "bad") return problem(400, "Stream-TTL must be a non-negative integer of seconds");
  if (expiresAt === "bad") return problem(400, "Stream-Expires-At must be an RFC 3339 timestamp");
  if (ttl !== undefined && expiresAt !== undefined) return problem(400, "give Stream-TTL or Stream-Expires-At, not both");
  const contentType = c.req.header("Content-Type") ?? "application/octet-stream";
  const meta: StreamMeta = { contentType, createdAt: Date.now(), ...(ttl !== undefined ? { ttl } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) };
  const bytes = await body(c);
  if (bytes && bytes.length > DS_MAX_APPEND_BYTES) return problem(413, `the body is over ${DS_MAX_APPEND_BYTES} bytes`);
  let parts: Uint8Array[] | undefined;
  if (bytes && isJson(contentType)) {
    const m = jsonMessages(bytes, true);
    if (m === "bad" || m === "empty") return problem(400, "the body is not valid JSON");
    if (m.messages.length > 0) parts = splitAppend(bytes, m.messages, DS_RECORD_BYTES);
    if (m.messages.length > 0 && !parts) return problem(413, `a JSON message is over ${DS_RECORD_BYTES} bytes`);
  } else if (bytes) parts = splitAppend(bytes, undefined, DS_RECORD_BYTES);
  const closed = isTrue(c.req.header(H.closed));
  const r = await createStream(c.env, name, meta, parts, closed);
  if (!r.ok) return "conflict" in r ? problem(409, "a stream with another configuration exists at this URL") : problem(400, r.error.error.message);
  const headers: Record<string, string> = { ...metaHeaders(r.meta), [H.nextOffset]: offsetToken(r.tail.next) };
  if (r.tail.closed) headers[H.closed] = "true";
  if (r.created) headers.Location = c.req.url;
  return new Response(null, { status: r.created ? 201 : 200, headers });
});

durableStreamRoutes.post("/*", async (c) => {
  const name = nameOf(c);
  const producer = parseProducer((h) => c.req.header(h));
  if (producer === "bad") return problem(400, "Producer-Id (non-empty), Producer-Epoch and Producer-Seq (integers) go together");
  const close = isTrue(c.req.header(H.closed));
  const bytes = await body(c);
  let parts: Uint8Array[] | undefined;
  if (bytes && bytes.length > DS_MAX_APPEND_BYTES) return problem(413, `the body is over ${DS_MAX_APPEND_BYTES} bytes`);
  const stream = await live(c, name);
  if (!stream) return problem(404, "no such stream");
  if (!bytes && !close) return problem(400, "an append needs a body (or Stream-Closed: true)");
  const tail = await tailOf(c.env, stream);
  if (!tail.ok) throw new Error(tail.error.message);
  const closedHeaders = { [H.closed]: "true", [H.nextOffset]: offsetToken(tail.next) };
  if (tail.closed && !producer) {
    return bytes ? problem(409, "the stream is closed", closedHeaders) : new Response(null, { status: 204, headers: closedHeaders });
  }
  if (bytes) {
    const given = c.req.header("Content-Type");
    if (!tail.closed) {
      if (given === undefined) return problem(400, "an append needs a Content-Type");
      if (mediaType(given) !== mediaType(stream.meta.contentType)) return problem(409, `the stream's content type is ${stream.meta.contentType}`);
    }
    if (isJson(stream.meta.contentType)) {
      const m = jsonMessages(bytes, false);
      if (m === "bad") return problem(400, "the body is not valid JSON");
      if (m === "empty") return problem(400, "an empty JSON array appends nothing");
      parts = splitAppend(bytes, m.messages, DS_RECORD_BYTES);
      if (!parts) return problem(413, `a JSON message is over ${DS_RECORD_BYTES} bytes`);
    } else parts = splitAppend(bytes, undefined, DS_RECORD_BYTES);
    if (producer && parts!.length > 1) return problem(413, `an idempotent producer's append is at most ${DS_RECORD_BYTES} bytes`);
  }
  const session: ProduceSession | undefined = producer ? await producerSession(stream.topic, producer) : undefined;
  const echo: Record<string, string> = producer ? { [H.producerEpoch]: String(producer.epoch), [H.producerSeq]: String(producer.seq) } : {};
  if (tail.closed && !(producer && bytes)) {
    return bytes ? problem(409, "the stream is closed", closedHeaders) : new Response(null, { status: 204, headers: { ...echo, ...closedHeaders } });
  }
  // Stream-Seq (§5.2): per stream, compared byte-wise; each record carries the highest seq so far.
  const seq = c.req.header("Stream-Seq");
  if (seq !== undefined && tail.seq !== undefined && seq <= tail.seq) {
    // The producer's dedupe comes first (the suite's "producer duplicate … with Stream-Seq"): a
    // retry that repeats both headers is a duplicate (204), found without writing.
    const highest = session && (await highestAccepted(c.env, stream, session));
    if (producer && highest !== undefined && producer.seq <= highest) {
      const headers: Record<string, string> = { ...echo, [H.producerSeq]: String(highest), [H.nextOffset]: offsetToken(tail.next) };
      if (tail.closed) headers[H.closed] = "true";
      return new Response(null, { status: 204, headers });
    }
    return problem(409, `Stream-Seq ${seq} is not after ${tail.seq}`);
  }
  const r = await appendStream(c.env, stream, parts, close, session, seq ?? tail.seq);
  switch (r.kind) {
    case "appended": {
      if (tail.closed && !r.duplicate) return problem(409, "the stream is closed", closedHeaders);
      const now = r.tail >= 0 && !r.duplicate ? { next: r.tail, closed: r.closed } : await tailOf(c.env, stream).then((t) => (t.ok ? t : { next: tail.next, closed: tail.closed }));
      // §5.2.1: a duplicate answers the highest sequence accepted, not its own.
      const headers: Record<string, string> = { ...echo, ...(r.highest !== undefined ? { [H.producerSeq]: String(r.highest) } : {}), [H.nextOffset]: offsetToken(now.next) };
      if (now.closed) headers[H.closed] = "true";
      return new Response(null, { status: producer && !r.duplicate && bytes ? 200 : 204, headers });
    }
    case "closed": {
      // Closed by a request that raced this one past the check above; the partition refused the append.
      const now = await tailOf(c.env, stream);
      const headers = { ...closedHeaders, [H.nextOffset]: offsetToken(now.ok ? now.next : tail.next) };
      return bytes ? problem(409, "the stream is closed", headers) : new Response(null, { status: 204, headers: { ...echo, ...headers } });
    }
    case "fenced":
      return problem(403 as 400, "stale producer epoch", r.epoch !== undefined ? { [H.producerEpoch]: String(r.epoch) } : {});
    case "gap":
      return problem(409, "producer sequence gap", { [H.expectedSeq]: String(r.expected), [H.receivedSeq]: String(r.received) });
    case "bad_producer":
      return problem(400, r.message);
    case "error":
      return problem(r.failure.error.code === "MESSAGE_TOO_LARGE" ? 413 : 400, r.failure.error.message);
  }
});

async function head(c: C): Promise<Response> {
  const stream = await live(c, nameOf(c));
  if (!stream) return new Response(null, { status: 404 });
  const tail = await tailOf(c.env, stream);
  if (!tail.ok) throw new Error(tail.error.message);
  const headers: Record<string, string> = { ...metaHeaders(stream.meta), [H.nextOffset]: offsetToken(tail.next), "Cache-Control": "no-store" };
  if (tail.closed) headers[H.closed] = "true";
  return new Response(null, { status: 200, headers });
}

durableStreamRoutes.delete("/*", async (c) => {
  const name = nameOf(c);
  if (!(await live(c, name))) return problem(404, "no such stream");
  const r = await removeStream(c.env, name);
  return r.ok ? new Response(null, { status: 204 }) : problem(404, "no such stream");
});

durableStreamRoutes.get("/*", async (c) => {
  if (c.req.method === "HEAD") return head(c);
  const q = c.req.query();
  const mode = q.live;
  if (mode !== undefined && mode !== "long-poll" && mode !== "sse") return problem(400, "live is long-poll or sse");
  if (mode !== undefined && q.offset === undefined) return problem(400, `live=${mode} needs an offset`);
  const requested = parseOffset(q.offset);
  if (requested === undefined) return problem(400, "malformed offset");
  const stream = await live(c, nameOf(c), true);
  if (!stream) return problem(404, "no such stream");
  const now = Date.now();
  let offset: number;
  if (requested === "now") {
    const tail = await tailOf(c.env, stream);
    if (!tail.ok) throw new Error(tail.error.message);
    offset = tail.next;
    if (mode === undefined || tail.closed) {
      const headers: Record<string, string> = { "Content-Type": stream.meta.contentType, [H.nextOffset]: offsetToken(offset), [H.upToDate]: "true", "Cache-Control": "no-store" };
      if (tail.closed) headers[H.closed] = "true";
      else if (mode) headers[H.cursor] = nextCursor(q.cursor, now);
      if (mode === "sse" && tail.closed) return sse(c, stream, offset, q.cursor);
      return new Response(mode === "long-poll" ? null : isJson(stream.meta.contentType) ? "[]" : null, { status: mode === "long-poll" ? 204 : 200, headers });
    }
  } else offset = requested;
  if (mode === "sse") return sse(c, stream, offset, q.cursor);
  let chunk = await readStream(c.env, stream, offset, 0);
  if (!chunk.ok) return chunk.error.code === "OFFSET_OUT_OF_RANGE" ? problem(410, chunk.error.message) : problem(404, chunk.error.message);
  if (mode === "long-poll" && chunk.parts.length === 0 && !chunk.closed) {
    chunk = await readStream(c.env, stream, offset, DS_LONG_POLL_MS);
    if (!chunk.ok) return problem(404, chunk.error.message);
  }
  const headers: Record<string, string> = { "Content-Type": stream.meta.contentType, [H.nextOffset]: offsetToken(chunk.next) };
  if (chunk.upToDate) headers[H.upToDate] = "true";
  if (chunk.closed) headers[H.closed] = "true";
  else if (mode) headers[H.cursor] = nextCursor(q.cursor, now);
  if (mode === "long-poll" && chunk.parts.length === 0) return new Response(null, { status: 204, headers });
  const etag = `"${offsetToken(offset)}:${offsetToken(chunk.next)}${chunk.closed ? ":c" : ""}"`;
  headers.ETag = etag;
  headers["Cache-Control"] = "public, max-age=60, stale-while-revalidate=300";
  if (c.req.header("If-None-Match") === etag) return new Response(null, { status: 304, headers });
  return new Response(payload(stream, chunk), { status: 200, headers });
});

function payload(stream: Stream, chunk: ReadChunk): Uint8Array | string {
  if (isJson(stream.meta.contentType)) return `[${chunk.parts.map((p) => new TextDecoder().decode(p)).join(",")}]`;
  const out = new Uint8Array(chunk.parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of chunk.parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** §5.8: data and control events; waits for new data at the tail, ends on closure or after DS_SSE_CONNECTION_MS. */
function sse(c: C, stream: Stream, from: number, cursor: string | undefined): Response {
  const asText = sseAsText(mediaType(stream.meta.contentType));
  const enc = new TextEncoder();
  const started = Date.now();
  let offset = from;
  let lastCursor = cursor;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const first = offset === from && Date.now() - started < 5;
      const chunk = await readStream(c.env, stream, offset, first ? 0 : Math.min(DS_LONG_POLL_MS, Math.max(0, DS_SSE_CONNECTION_MS - (Date.now() - started))));
      if (!chunk.ok) return controller.close();
      let out = "";
      if (chunk.parts.length > 0) {
        const data = payload(stream, chunk);
        const text = asText ? (typeof data === "string" ? data : new TextDecoder().decode(data)) : encodeBase64(typeof data === "string" ? enc.encode(data) : data);
        out += "event: data\n" + text.split(/\r\n|\r|\n/).map((l) => `data:${l}`).join("\n") + "\n\n";
      }
      offset = chunk.next;
      if (chunk.parts.length > 0 || chunk.upToDate || first) {
        const control: Record<string, unknown> = { streamNextOffset: offsetToken(chunk.next) };
        if (chunk.closed) control.streamClosed = true;
        else {
          lastCursor = nextCursor(lastCursor, Date.now());
          control.streamCursor = lastCursor;
        }
        if (chunk.upToDate) control.upToDate = true;
        out += `event: control\ndata:${JSON.stringify(control)}\n\n`;
      }
      if (out) controller.enqueue(enc.encode(out));
      if (chunk.closed || Date.now() - started >= DS_SSE_CONNECTION_MS) controller.close();
    },
  });
  const headers: Record<string, string> = { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" };
  if (!asText) headers[H.sseEncoding] = "base64";
  return new Response(body, { status: 200, headers });
}
