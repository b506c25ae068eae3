import { Hono } from "hono";
import type { Env } from "../env";
import { errorResponse, onError } from "./errors";
import { groupRoutes } from "./groups";
import { producerRoutes } from "./producers";
import { recordRoutes } from "./records";
import { statsRoutes } from "./stats";
import { topicRoutes } from "./topics";

/** The HTTP API. Routes parse and validate, call one broker function, and map its result. */
export function createApp() {
  const app = new Hono<{ Bindings: Env }>();
  app.get("/health", (c) => c.json({ status: "ok", time: Date.now() }));
  app.route("/v1/topics", topicRoutes);
  app.route("/v1/topics", recordRoutes);
  app.route("/v1/groups", groupRoutes);
  app.route("/v1/producers", producerRoutes);
  app.route("/stats", statsRoutes);
  app.notFound((c) => errorResponse(c, { code: "NOT_FOUND", message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }));
  app.onError(onError);
  return app;
}
