import { Hono, type Context } from "hono";
import { bridgeAction, bridgeTopics, bridgeTopicSchema, createBridge, deleteBridge, describeBridge, listBridges, updateBridge } from "../bridges/manage";
import { capabilityTable } from "../bridges/capabilities";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { readJsonText } from "./validate";
import { EngineError } from "../core/errors";

/**
 * Bridges to external brokers (issue 18): `POST /v1/bridges`, `GET /v1/bridges`,
 * `GET|PUT|DELETE /v1/bridges/:name`, `POST /v1/bridges/:name/reconnect|disconnect`,
 * `GET /v1/bridges/:name/topics`, `GET /v1/bridges/:name/topics/:topic/schema`, and
 * `GET /v1/bridges/platforms` (the capability table).
 */
export const bridgeRoutes = new Hono<{ Bindings: Env }>();

async function body(c: Context): Promise<unknown> {
  const text = await readJsonText(c);
  try {
    return JSON.parse(text);
  } catch {
    throw new EngineError({ code: "INVALID_REQUEST", message: "request body is not valid JSON" });
  }
}

bridgeRoutes.get("/platforms", (c) => c.json({ platforms: capabilityTable() }, 200));

bridgeRoutes.post("/", async (c) => {
  const r = await createBridge(c.env, await body(c));
  return r.ok ? c.json(r.bridge, 201) : failureResponse(c, r);
});

bridgeRoutes.get("/", async (c) => c.json(await listBridges(c.env), 200));

bridgeRoutes.get("/:name", async (c) => {
  const r = await describeBridge(c.env, c.req.param("name"));
  return r.ok ? c.json(r.bridge, 200) : failureResponse(c, r);
});

bridgeRoutes.put("/:name", async (c) => {
  const r = await updateBridge(c.env, c.req.param("name"), await body(c));
  return r.ok ? c.json(r.bridge, 200) : failureResponse(c, r);
});

bridgeRoutes.delete("/:name", async (c) => {
  const r = await deleteBridge(c.env, c.req.param("name"));
  return r.ok ? c.body(null, 204) : failureResponse(c, r);
});

for (const action of ["reconnect", "disconnect"] as const) {
  bridgeRoutes.post(`/:name/${action}`, async (c) => {
    const r = await bridgeAction(c.env, c.req.param("name"), action);
    return r.ok ? c.json(r.bridge, 200) : failureResponse(c, r);
  });
}

bridgeRoutes.get("/:name/topics", async (c) => {
  const r = await bridgeTopics(c.env, c.req.param("name"));
  return r.ok ? c.json({ topics: r.topics }, 200) : failureResponse(c, r);
});

bridgeRoutes.get("/:name/topics/:topic/schema", async (c) => {
  const r = await bridgeTopicSchema(c.env, c.req.param("name"), c.req.param("topic"));
  if (!r.ok) return failureResponse(c, r);
  const { ok: _, ...rest } = r;
  return c.json(rest, 200);
});

