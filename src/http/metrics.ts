import { Hono } from "hono";
import { catalogStub } from "../routing/stubs";
import type { Env } from "../env";
import { renderMetrics } from "../metrics/render";
import { errorResponse } from "./errors";
import { answer } from "../api/responses/common";
import { healthAnswer } from "../api/responses/core";

/** `GET /metrics` (Prometheus text format) and the deep `GET /health?deep=1` (issue 16). */
export const metricsRoutes = new Hono<{ Bindings: Env }>();

metricsRoutes.get("/metrics", async (c) => c.body(await renderMetrics(c.env), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));

/**
 * `/health` stays cheap (no call) for liveness probes; `?deep=1` also asks the catalog (one small
 * call), so a readiness probe sees whether the engine can serve. Public: it reveals nothing.
 */
metricsRoutes.get("/health", async (c) => {
  if (c.req.query("deep") === undefined) return c.json(answer(healthAnswer, { status: "ok", time: Date.now() }));
  const started = Date.now();
  try {
    await catalogStub(c.env).stats();
    return c.json(answer(healthAnswer, { status: "ok", time: Date.now(), catalog: { status: "ok", latency_ms: Date.now() - started } }));
  } catch (err) {
    return errorResponse(c, { code: "LEADER_NOT_AVAILABLE", message: `catalog unreachable: ${(err as Error).message}` });
  }
});
