import { Hono } from "hono";
import type { Env } from "../env";
import { allowedMethods } from "./allow";
import { errorResponse, onError } from "./errors";
import { durableStreamRoutes } from "./compat-durable-streams";
import { withKafkaRest } from "./compat-upstash";
import { groupRoutes } from "./groups";
import { producerRoutes } from "./producers";
import { recordRoutes } from "./records";
import { schemaRoutes, topicSchemaRoutes } from "./schema";
import { statsRoutes } from "./stats";
import { topicRoutes } from "./topics";
import { transactionRoutes } from "./transactions";

/** The HTTP API. Routes parse and validate, call one broker function, and map its result. */
export function createApp() {
  const app = new Hono<{ Bindings: Env }>();
  app.get("/health", (c) => c.json({ status: "ok", time: Date.now() }));
  app.route("/v1/topics", topicRoutes);
  app.route("/v1/topics", recordRoutes);
  app.route("/v1/topics", topicSchemaRoutes);
  app.route("/v1/schema", schemaRoutes);
  app.route("/v1/groups", groupRoutes);
  app.route("/v1/producers", producerRoutes);
  app.route("/v1/transactions", transactionRoutes);
  app.route("/stats", statsRoutes);
  app.route("/v1/stream", durableStreamRoutes);
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allow = allowedMethods(app, path);
    if (allow.length === 0) return errorResponse(c, { code: "NOT_FOUND", message: `no route for ${c.req.method} ${path}` });
    c.header("Allow", allow.join(", "));
    return errorResponse(c, { code: "METHOD_NOT_ALLOWED", message: `${c.req.method} is not allowed on ${path}; allowed: ${allow.join(", ")}` });
  });
  app.onError(onError);
  withKafkaRest(app);
  return app;
}
