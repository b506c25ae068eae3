import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { upstashOffsetsAnswer, upstashProduceAnswer, upstashSuccessAnswer, upstashTopicsAnswer } from "../api/responses/upstash";
import { ERROR_CODES, type ErrorBody } from "../core/errors";
import { DEFAULT_KAFKA_REST_PREFIX } from "../core/limits";
import type { Env } from "../env";
import { authenticate } from "../auth/authenticate";
import { authConfig } from "../auth/config";
import { authorize, visible } from "../auth/authorize";
import { ANONYMOUS, isAdmin, type Principal } from "../auth/principal";
import { upstashChecks } from "../compat/upstash/acl";
import { limitsFor } from "./auth";
import { parseBasicAuth } from "../compat/upstash/auth";
import { listTopics } from "../routing/admin";
import { fetchRecords, listOffsets } from "../routing/consume";
import { sessionForKey } from "../routing/idempotence";
import { checkProduce, produce } from "../routing/produce";
import { isStreamTopic } from "../compat/durable-streams/names";
import type { FetchedRecord } from "../api/wire";
import { commit, committed, consume, consumers, deleteInstance, type Reset } from "../compat/upstash/consumers";
import { toMessage, toWire, type UpstashProduce } from "../compat/upstash/messages";
import { lostAnswers, requestFingerprint } from "../compat/upstash/lost-answers";

/**
 * Upstash-Kafka-style REST (issue 19), as the official `@upstash/kafka` client calls it. Errors are
 * `{ error, status }`. Mounted under KAFKA_REST_PREFIX (default /kafka) by `kafkaRestPrefix`.
 */
type C = Context<{ Bindings: Env; Variables: { principal: Principal } }>;
export const upstashRoutes = new Hono<{ Bindings: Env; Variables: { principal: Principal } }>();
upstashRoutes.use("*", upstashAuth());

const statusOf = (e: ErrorBody): number => ERROR_CODES[e.code]?.status ?? 500;
const error = (c: C, e: ErrorBody) => c.json({ error: e.message, status: statusOf(e) }, statusOf(e) as 400);
const bad = (c: C, message: string) => c.json({ error: message, status: 400 }, 400);
const success = (c: C) => c.json({ result: "Success", status: 200 } satisfies z.input<typeof upstashSuccessAnswer>);

async function json(c: C): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for("bad");
  }
}
const isBad = (v: unknown) => v === Symbol.for("bad");
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A write route, safe under the official client's resends (issue 19, docs/compat.md "Retries"): an
 * identical request whose answer was lost gets that answer and writes nothing; an answer this
 * request could not deliver (request.signal aborted) is kept for the resend. The route calls
 * `writing()` just before its first write: false means the client already went, so the route
 * writes nothing and answers null (the resend does the write); from then on a client that goes
 * makes an identical resend wait for this answer instead of writing (ledger.expect).
 */
async function writeOnce(c: C, run: (writing: () => boolean) => Promise<Response | null>): Promise<Response> {
  const ledger = lostAnswers(c.env, await requestFingerprint(c.req.raw, await c.req.arrayBuffer()));
  const kept = await ledger.take();
  if (kept) return kept;
  const signal = c.req.raw.signal;
  const logged = (what: string) => (e: unknown) => console.error(`kafka-rest: could not ${what} an undelivered answer`, e);
  const writing = () => {
    if (signal.aborted) return false;
    signal.addEventListener("abort", () => c.executionCtx.waitUntil(ledger.expect().catch(logged("expect"))), { once: true });
    return true;
  };
  const work = (async () => {
    const answer = await run(writing);
    if (!answer) return c.json({ error: "the client went away before anything was written", status: 499 }, 499 as 400);
    if (signal.aborted) await ledger.keep(answer).catch(logged("keep"));
    return answer;
  })();
  // When the client goes, workerd stops waiting for the request's pending calls: only work under
  // waitUntil goes on, and this must, to finish (or not start) the write and keep its answer.
  c.executionCtx.waitUntil(work.then(() => undefined, () => undefined));
  return work;
}

/**
 * Produce: one record or an array, the topic in the path or in each record; always answers an array.
 * Every topic is checked before any is written, so a refusal writes nothing; once one topic is
 * written, a later topic's failure is reported on its records (offset -1, error) in a 200 answer,
 * since an error answer would make the client resend, and so rewrite, the topics already written.
 */
const produceRoute = (c: C, pathTopic: string | undefined) => writeOnce(c, (writing) => produceWrites(c, pathTopic, writing));

async function produceWrites(c: C, pathTopic: string | undefined, writing: () => boolean): Promise<Response | null> {
  const body = await json(c);
  const list = Array.isArray(body) ? body : [body];
  if (isBad(body) || list.length === 0 || !list.every(isObj)) return bad(c, "the body is a record or an array of records");
  const byTopic = new Map<string, number[]>();
  for (const [i, r] of (list as unknown as UpstashProduce[]).entries()) {
    const topic = pathTopic ?? r.topic;
    if (typeof topic !== "string" || topic === "") return bad(c, `record ${i} has no topic`);
    if (typeof r.value !== "string") return bad(c, `record ${i}: value must be a string`);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), i]);
  }
  const out: z.input<typeof upstashProduceAnswer> = new Array(list.length);
  const key = c.req.header("Idempotency-Key");
  const wire = (indexes: number[]) => indexes.map((i) => toWire(list[i] as unknown as UpstashProduce));
  if (byTopic.size > 1) {
    for (const [topic, indexes] of byTopic) {
      const checked = await checkProduce(c.env, topic, wire(indexes));
      if (!checked.ok) return error(c, checked.error);
    }
  }
  if (!writing()) return null;
  let written = false;
  for (const [topic, indexes] of byTopic) {
    const records = wire(indexes);
    const session = key ? await sessionForKey(topic, key, records) : undefined;
    const r = await produce(c.env, topic, records, session, (w) => c.executionCtx.waitUntil(w));
    if (!r.ok && !written) return error(c, r.error);
    written = true;
    if (!r.ok) {
      for (const i of indexes) out[i] = { topic, partition: -1, offset: -1, timestamp: -1, error: r.error.message };
      continue;
    }
    indexes.forEach((i, j) => {
      const rec = r.records[j];
      out[i] = "error" in rec ? { topic, partition: rec.partition, offset: -1, timestamp: -1, error: rec.error.message } : { topic, partition: rec.partition, offset: rec.offset, timestamp: rec.timestamp };
    });
  }
  return c.json(out);
}
upstashRoutes.post("/produce", (c) => produceRoute(c, undefined));
upstashRoutes.post("/produce/:topic", (c) => produceRoute(c, c.req.param("topic")));

upstashRoutes.post("/fetch", async (c) => {
  const b = await json(c);
  if (!isObj(b) || typeof b.topic !== "string" || !Number.isInteger(b.partition) || !Number.isInteger(b.offset)) return bad(c, "fetch needs topic, partition and offset");
  const r = await fetchRecords(c.env, b.topic, b.partition as number, { offset: b.offset as number, maxRecords: 500, maxBytes: 1 << 20, waitMs: Math.min(Number(b.timeout ?? 0) || 0, 30_000) });
  if (!r.ok) return error(c, r.error);
  return c.json((JSON.parse(r.recordsJson) as FetchedRecord[]).map((rec) => toMessage(b.topic as string, b.partition as number, rec)));
});

upstashRoutes.post("/consume/:group/:instance", async (c) => {
  const b = await json(c);
  if (!isObj(b)) return bad(c, "consume needs {topic} or {topics}");
  const topics = typeof b.topic === "string" ? [b.topic] : Array.isArray(b.topics) && b.topics.every((t) => typeof t === "string") ? (b.topics as string[]) : undefined;
  if (!topics || topics.length === 0) return bad(c, "consume needs {topic} or {topics}");
  const reset = (c.req.header("Kafka-Auto-Offset-Reset") ?? "latest").toLowerCase();
  if (reset !== "earliest" && reset !== "latest" && reset !== "none") return bad(c, "Kafka-Auto-Offset-Reset is earliest, latest or none");
  const auto = (c.req.header("Kafka-Enable-Auto-Commit") ?? "true").toLowerCase();
  if (auto !== "true" && auto !== "false") return bad(c, "Kafka-Enable-Auto-Commit is true or false");
  const interval = c.req.header("Kafka-Auto-Commit-Interval");
  if (interval !== undefined && !/^\d+$/.test(interval)) return bad(c, "Kafka-Auto-Commit-Interval is milliseconds");
  // Auto-commit commits after every consume, which is within any interval asked for.
  return writeOnce(c, async (writing) => {
    const r = await consume(c.env, c.req.param("group"), c.req.param("instance"), topics, Number(b.timeout ?? 1000) || 0, reset as Reset, auto === "true", writing);
    if (!r.ok) return error(c, r.error);
    return r.gone ? null : c.json(r.messages);
  });
});

const isOffset = (o: unknown): o is { topic: string; partition: number; offset: number } =>
  isObj(o) && typeof o.topic === "string" && Number.isInteger(o.partition) && Number.isInteger(o.offset) && (o.offset as number) >= 0;

upstashRoutes.post("/commit/:group/:instance", async (c) => {
  const b = await json(c);
  if (isBad(b)) return bad(c, "the body is JSON");
  const offsets = b === undefined || b === null ? undefined : Array.isArray(b) ? b : [b];
  if (offsets && !offsets.every(isOffset)) return bad(c, "each offset is {topic, partition, offset}");
  const r = await commit(c.env, c.req.param("group"), c.req.param("instance"), offsets as Array<{ topic: string; partition: number; offset: number }> | undefined);
  return r.ok ? success(c) : error(c, r.error);
});

const isTp = (o: unknown): o is { topic: string; partition: number } => isObj(o) && typeof o.topic === "string" && Number.isInteger(o.partition);

upstashRoutes.post("/committed/:group/:instance", async (c) => {
  const b = await json(c);
  const list = b === undefined || b === null ? undefined : Array.isArray(b) ? b : [b];
  if (isBad(b) || (list && !list.every(isTp))) return bad(c, "the body is [{topic, partition}]");
  const r = await committed(c.env, c.req.param("group"), list as Array<{ topic: string; partition: number }> | undefined);
  return r.ok ? c.json(r.offsets) : error(c, r.error);
});

upstashRoutes.post("/offsets/:time", async (c) => {
  const time = c.req.param("time");
  const spec = time === "earliest" ? "earliest" : time === "latest" ? "latest" : /^\d+$/.test(time) ? { timestamp: Number(time) } : undefined;
  if (!spec) return bad(c, "the time is earliest, latest or milliseconds since the epoch");
  const b = await json(c);
  const list = Array.isArray(b) ? b : [b];
  if (isBad(b) || !list.every(isTp)) return bad(c, "the body is [{topic, partition}]");
  const out: z.input<typeof upstashOffsetsAnswer> = [];
  for (const tp of list) {
    const r = await listOffsets(c.env, tp.topic, spec);
    if (!r.ok) return error(c, r.error);
    const p = r.partitions[tp.partition];
    if (!p) return c.json({ error: `topic ${tp.topic} has no partition ${tp.partition}`, status: 404 }, 404);
    out.push({ topic: tp.topic, partition: tp.partition, offset: p.offset ?? -1 });
  }
  return c.json(out);
});

upstashRoutes.get("/topics", async (c) => {
  const topics = await listTopics(c.env);
  const shown = await visible(c.env, c.get("principal"), "topic", topics.map((t) => t.name));
  return c.json(Object.fromEntries(topics.filter((t) => !isStreamTopic(t.name) && shown.has(t.name)).map((t) => [t.name, t.partitions])) satisfies z.input<typeof upstashTopicsAnswer>);
});

upstashRoutes.get("/consumers", async (c) => {
  const all = await consumers(c.env);
  const shown = await visible(c.env, c.get("principal"), "group", all.map((g) => g.name));
  return c.json(all.filter((g) => shown.has(g.name)));
});

upstashRoutes.post("/delete-consumer/:group/:instance", async (c) => {
  const r = await deleteInstance(c.env, c.req.param("group"), c.req.param("instance"));
  return r.ok ? success(c) : error(c, r.error);
});

upstashRoutes.notFound((c) => c.json({ error: `no route for ${c.req.method} ${new URL(c.req.url).pathname}`, status: 404 }, 404));
upstashRoutes.onError((e, c) => {
  console.error("kafka-rest error", e);
  return c.json({ error: "internal error; see the worker log", status: 500 }, 500);
});

/**
 * Serves the Upstash surface under KAFKA_REST_PREFIX (default /kafka) in front of the app's own
 * router: the prefix is a per-deployment var known only per request, and a catch-all middleware
 * in the app's router would make every path look like it allows every method (src/http/allow.ts).
 */
/** The surface's routes as served under the default prefix, for /openapi.json. */
export const kafkaRestRoutes = () => upstashRoutes.routes.map((r) => ({ method: r.method, path: DEFAULT_KAFKA_REST_PREFIX + r.path }));

export function withKafkaRest<E extends { Bindings: Env }>(app: Hono<E>): void {
  const inner = app.fetch;
  app.fetch = async (request, env, ctx) => {
    const prefix = ((env as Env | undefined)?.KAFKA_REST_PREFIX ?? DEFAULT_KAFKA_REST_PREFIX).replace(/\/$/, "");
    const url = new URL(request.url);
    if (url.pathname !== prefix && !url.pathname.startsWith(prefix + "/")) return inner(request, env, ctx);
    url.pathname = url.pathname.slice(prefix.length) || "/";
    return upstashRoutes.fetch(new Request(url, request), env, ctx);
  };
}

/**
 * Issue 16 on this surface: Upstash clients send Basic credentials, so the password (or a Bearer
 * token) is the API key or JWT, authenticated as on every other route. A non-admin's request is
 * then checked against the surface's own rule table (src/compat/upstash/acl.ts: Kafka's operation
 * per route, every topic a body names) before the handler runs, so a refused request changes
 * nothing; a route without a rule is refused (fails closed). The principal's limits apply as on
 * the native routes (src/http/auth.ts). Errors keep the Upstash shape.
 */
function upstashAuth(): MiddlewareHandler<{ Bindings: Env; Variables: { principal: Principal } }> {
  return async (c, next) => {
    const started = Date.now();
    const config = authConfig(c.env);
    const answer = (status: number, message: string) => c.json({ error: message, status }, status as 401);
    if (config.mode === "refuse") return answer(503, "this engine has no AUTH_MODE (docs/security.md)");
    let principal = ANONYMOUS;
    if (config.mode === "on") {
      const header = c.req.header("authorization");
      const token = parseBasicAuth(header)?.password ?? header?.match(/^Bearer\s+(.+)$/i)?.[1] ?? null;
      const who = await authenticate(c.env, config, token);
      if (!who.ok) return answer(401, who.error.message);
      principal = who.principal;
    }
    c.set("principal", principal);
    const produce = c.req.method === "POST" && /^\/produce(\/|$)/.test(c.req.path);
    const admitted = limitsFor(c.env).admit(principal.id, produce ? Number(c.req.header("content-length") ?? 0) || 0 : 0, started);
    if (!admitted.ok) {
      c.header("Retry-After", String(admitted.retryAfterS));
      return answer(429, admitted.error.message);
    }
    try {
      if (!isAdmin(principal)) {
        const checks = upstashChecks(c.req.method, c.req.path, await bodyOf(c.req.raw));
        if (checks === null) return answer(403, `no access rule covers ${c.req.method} ${c.req.path}: only admins may call it`);
        for (const check of checks === "list" ? [] : checks) {
          const r = await authorize(c.env, principal, check.resource, check.operation);
          if (!r.ok) return answer(403, r.error.message);
        }
      }
      await next();
    } finally {
      admitted.release();
    }
  };
}

/** The JSON body, read from a clone so the handler still reads the original; unreadable: a value no rule can name. */
async function bodyOf(request: Request): Promise<unknown> {
  const text = await request.clone().text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
