import { Hono } from "hono";
import type { Env } from "../env";
import { allowedMethods } from "./allow";
import { compactionRoutes } from "./compaction";
import { bridgeRoutes } from "./bridges";
import { authMiddleware, type AuthVariables } from "./auth";
import { metricsRoutes } from "./metrics";
import { securityRoutes } from "./security";
import { uiRoutes } from "./ui";
import { errorResponse, onError } from "./errors";
import { fetchRoutes } from "./fetch";
import { durableStreamRoutes } from "./compat-durable-streams";
import { kafkaRestRoutes, withKafkaRest } from "./compat-upstash";
import { groupRoutes } from "./groups";
import { idempotencyRoutes } from "./idempotency";
import { openApiDocument } from "./openapi";
import { producerRoutes } from "./producers";
import { realtimeRoutes, realtimeTopicRoutes } from "./realtime";
import { recordRoutes } from "./records";
import { schemaRoutes, topicSchemaRoutes } from "./schema";
import { statsRoutes } from "./stats";
import { topicRoutes } from "./topics";
import { transactionRoutes } from "./transactions";

/** The HTTP API. Routes parse and validate, call one broker function, and map its result. */
export function createApp() {
  const app = new Hono<{ Bindings: Env; Variables: AuthVariables }>();
  // Issue 16: every route, present and future, passes authentication and the route table first.
  app.use("*", authMiddleware());
  app.route("/", metricsRoutes);
  app.route("/ui", uiRoutes);
  app.route("/v1/auth", securityRoutes);
  app.route("/v1/topics", topicRoutes);
  app.route("/v1/topics", recordRoutes);
  app.route("/v1/topics", topicSchemaRoutes);
  app.route("/v1/topics", compactionRoutes);
  app.route("/v1/topics", realtimeTopicRoutes);
  app.route("/v1/ws", realtimeRoutes);
  app.route("/v1/schema", schemaRoutes);
  app.route("/v1/groups", groupRoutes);
  app.route("/v1/fetch", fetchRoutes);
  app.route("/v1/producers", producerRoutes);
  app.route("/v1/transactions", transactionRoutes);
  app.route("/v1/idempotency", idempotencyRoutes);
  app.route("/v1/bridges", bridgeRoutes);
  app.route("/stats", statsRoutes);
  // Built from the route table at request time, so it lists every route (src/http/openapi.ts).
  app.get("/openapi.json", (c) => c.json(openApiDocument([...app.routes, ...kafkaRestRoutes()])));
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
