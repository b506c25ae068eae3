import { Hono } from "hono";
import type { Env } from "../src/env";
import type { CeilingDO } from "./ceiling-do";

export interface BenchEnv extends Env {
  CEILING: DurableObjectNamespace<CeilingDO>;
}

/** Upper bounds so a typo in a bench script cannot wedge the object. */
const MAX_ROWS_PER_REQUEST = 5_000;
const MAX_PAGE_ROWS = 10_000;

/**
 * Bench-only routes under `/bench/ceiling/:db`. `:db` names a CeilingDO, so each phase can use a
 * fresh table. The HTTP path is the engine's: wrangler dev proxy → worker → one DO RPC → SQLite.
 *
 *   POST /bench/ceiling/:db/rows             body: JSON array of values → { count, last_id }
 *   GET  /bench/ceiling/:db/rows?from=&limit= → { rows: [{ id, value }], next }
 *   GET  /bench/ceiling/:db/count            → { rows }
 */
export const ceilingRoutes = new Hono<{ Bindings: BenchEnv }>().basePath("/bench/ceiling");

const stub = (env: BenchEnv, db: string) => env.CEILING.get(env.CEILING.idFromName(db));

ceilingRoutes.post("/:db/rows", async (c) => {
  const values: unknown = await c.req.json();
  if (!Array.isArray(values) || values.length === 0 || values.length > MAX_ROWS_PER_REQUEST) {
    return c.json({ error: `body must be a JSON array of 1..${MAX_ROWS_PER_REQUEST} values` }, 400);
  }
  // Stored as JSON text, as the engine stores a JSON record value.
  const r = await stub(c.env, c.req.param("db")).insert(values.map((v) => JSON.stringify(v)));
  return c.json({ count: r.count, last_id: r.lastId });
});

ceilingRoutes.get("/:db/rows", async (c) => {
  const from = Number(c.req.query("from") ?? "1");
  const limit = Number(c.req.query("limit") ?? "1000");
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_ROWS) {
    return c.json({ error: `from must be an integer and limit 1..${MAX_PAGE_ROWS}` }, 400);
  }
  const r = await stub(c.env, c.req.param("db")).read(from, limit);
  return c.body(`{"rows":${r.rowsJson},"count":${r.count},"next":${r.next}}`, 200, { "content-type": "application/json; charset=utf-8" });
});

ceilingRoutes.get("/:db/count", async (c) => c.json({ rows: await stub(c.env, c.req.param("db")).count() }));

ceilingRoutes.notFound((c) => c.json({ error: `no bench route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
