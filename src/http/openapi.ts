import { z } from "zod";
import {
  addPartitionsSchema, alterConfigSchema, commitSchema, createTopicSchema, fetchQuerySchema, groupOffsetsQuerySchema, heartbeatSchema,
  inferSchemaSchema, initProducerSchema, joinSchema, offsetsQuerySchema, produceSchema, registerSchemaSchema, resetOffsetsSchema,
  schemaQuerySchema, txnOffsetsSchema, txnRequestSchema, multiFetchSchema, memberRecordsSchema, keyQuerySchema, stateQuerySchema,
  idempotencyClaimSchema, idempotencyCompleteSchema,
} from "../api/schemas";
import { createBindingSchema, createKeySchema } from "../api/auth-schemas";
import { healthAnswer, openApiAnswer, statsAnswer } from "../api/responses/core";
import { listOffsetsAnswer, topicAnswer, topicDeletedAnswer, topicListAnswer } from "../api/responses/topics";
import { fetchAnswer, multiFetchAnswer, produceAnswer } from "../api/responses/records";
import {
  commitAnswer, groupAnswer, groupDeletedAnswer, groupListAnswer, groupOffsetsAnswer, memberAnswerSchema, memberLeftAnswer, memberRecordsAnswer, resetOffsetsAnswer,
} from "../api/responses/groups";
import { claimAnswer, completeAnswer, idempotencyAnswer, producerAnswer, releaseAnswer, txnAnswer, txnOffsetsAnswer, txnStateAnswer } from "../api/responses/txn";
import { compactAnswer, keyAnswer, stateAnswer } from "../api/responses/compaction";
import { bridgeBodySchema } from "../bridges/spec";
import { ERROR_CODES } from "../core/errors";
import { discoveryAnswer, inferenceAnswer, registrationAnswer, unregistrationAnswer, versionDetailAnswer, versionsAnswer } from "../api/responses/schema";
import { bindingAnswer, bindingsAnswer, createdApiKeyAnswer, deletedBindingAnswer, apiKeyAnswer, apiKeysAnswer, whoamiAnswer } from "../api/responses/auth";
import { bridgeAnswer, bridgesAnswer, externalSchemaAnswer, externalTopicsAnswer, platformsAnswer } from "../api/responses/bridges";
import {
  upstashCommittedAnswer, upstashConsumersAnswer, upstashErrorAnswer, upstashMessagesAnswer, upstashOffsetsAnswer, upstashProduceAnswer,
  upstashSuccessAnswer, upstashTopicsAnswer,
} from "../api/responses/upstash";

/**
 * GET /openapi.json: OpenAPI 3.1 generated from the same zod schemas the routes validate with
 * (zod 4's JSON Schema output). Every registered route needs an entry in ROUTE_DOCS: the document
 * is built from the app's route table, and test/unit/openapi.test.ts fails naming any route
 * without one, so a route added later cannot be left out.
 *
 * Success answers (issue 10, item 3): a route's `response` schema (src/api/responses/) is shown
 * under `status` (default 200) as zod's output JSON Schema, and test/workers/responses.test.ts
 * checks real answers against it (test/workers/answers-schema-auth-upstash.test.ts and
 * test/e2e/answers-bridges.test.ts for the other families). Every JSON route has a `response`;
 * the few that answer something else name their `contentType` (metrics, console, SSE) or have no
 * body (204), and test/unit/openapi.test.ts checks that none is left out. The error answer is the
 * one shape of src/http/errors.ts, except where a route names its own `error` (the Upstash surface).
 */
export interface RouteDoc {
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  /** The 2xx JSON answer (described with zod's output JSON Schema). */
  response?: z.ZodType;
  /** The success status of `response` (default 200; 201 for creates). */
  status?: number;
  /** The error answer when it is not the engine's one shape (the Upstash surface's `{ error, status }`). */
  error?: z.ZodType;
  /** The success answer's media type when it is not JSON (metrics text, the console's HTML, SSE). */
  contentType?: string;
}

/** Keyed `METHOD /path` exactly as Hono registers it (`:name` path parameters). */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  "GET /health": { summary: "Liveness", response: healthAnswer },
  "GET /openapi.json": { summary: "This document", response: openApiAnswer },
  "GET /stats": { summary: "Cluster statistics from the summaries partitions and groups report", response: statsAnswer },
  "POST /v1/topics": { summary: "Create a topic", body: createTopicSchema, response: topicAnswer, status: 201 },
  "GET /v1/topics": { summary: "List topics", response: topicListAnswer },
  "GET /v1/topics/:topic": { summary: "Describe a topic and its partitions' offsets", response: topicAnswer },
  "DELETE /v1/topics/:topic": { summary: "Delete a topic and its records", response: topicDeletedAnswer },
  "PATCH /v1/topics/:topic/config": { summary: "Alter a topic's config", body: alterConfigSchema, response: topicAnswer },
  "POST /v1/topics/:topic/partitions": { summary: "Add partitions", body: addPartitionsSchema, response: topicAnswer },
  "GET /v1/topics/:topic/offsets": { summary: "Kafka's ListOffsets for every partition", query: offsetsQuerySchema, response: listOffsetsAnswer },
  "POST /v1/topics/:topic/records": { summary: "Produce records", body: produceSchema, response: produceAnswer },
  "GET /v1/topics/:topic/partitions/:partition/records": { summary: "Fetch records (long-poll with wait_ms)", query: fetchQuerySchema, response: fetchAnswer },
  "GET /v1/topics/:topic/schema": { summary: "Discover the topic's schema by sampling", query: schemaQuerySchema, response: discoveryAnswer },
  "PUT /v1/topics/:topic/schema": { summary: "Register and enforce a schema (201 for a new version, 200 when unchanged)", body: registerSchemaSchema, response: registrationAnswer, status: 201 },
  "DELETE /v1/topics/:topic/schema": { summary: "Stop enforcing the schema (versions stay)", response: unregistrationAnswer },
  "GET /v1/topics/:topic/schema/versions": { summary: "List schema versions", response: versionsAnswer },
  "GET /v1/topics/:topic/schema/versions/:version": { summary: "One schema version", response: versionDetailAnswer },
  "POST /v1/schema/infer": { summary: "Stateless schema inference over records", body: inferSchemaSchema, response: inferenceAnswer },
  "GET /v1/groups": { summary: "List consumer groups", response: groupListAnswer },
  "GET /v1/groups/:group": { summary: "Describe a group", response: groupAnswer },
  "DELETE /v1/groups/:group": { summary: "Delete an empty group", response: groupDeletedAnswer },
  "POST /v1/groups/:group/members": { summary: "Join a group", body: joinSchema, response: memberAnswerSchema },
  "POST /v1/groups/:group/members/:member/heartbeat": { summary: "Heartbeat", body: heartbeatSchema, response: memberAnswerSchema },
  "DELETE /v1/groups/:group/members/:member": { summary: "Leave a group", response: memberLeftAnswer },
  "POST /v1/groups/:group/offsets": { summary: "Commit offsets", body: commitSchema, response: commitAnswer },
  "GET /v1/groups/:group/offsets": { summary: "Committed offsets and lag", query: groupOffsetsQuerySchema, response: groupOffsetsAnswer },
  "POST /v1/groups/:group/offsets/reset": { summary: "Reset offsets of an empty group", body: resetOffsetsSchema, response: resetOffsetsAnswer },
  "POST /v1/producers": { summary: "Initialise an idempotent or transactional producer", body: initProducerSchema, response: producerAnswer },
  "POST /v1/transactions/:transactional_id/begin": { summary: "Begin a transaction", body: txnRequestSchema, response: txnStateAnswer },
  "POST /v1/transactions/:transactional_id/commit": { summary: "Commit a transaction", body: txnRequestSchema, response: txnStateAnswer },
  "POST /v1/transactions/:transactional_id/abort": { summary: "Abort a transaction", body: txnRequestSchema, response: txnStateAnswer },
  "POST /v1/transactions/:transactional_id/offsets": { summary: "Add consumer offsets to a transaction", body: txnOffsetsSchema, response: txnOffsetsAnswer },
  "GET /v1/transactions/:transactional_id": { summary: "Describe a transaction", response: txnAnswer },
  // withIdempotency (issue 12)
  "POST /v1/idempotency/:id/claim": { summary: "Claim a unit of work (withIdempotency)", body: idempotencyClaimSchema, response: claimAnswer },
  "POST /v1/idempotency/:id/complete": { summary: "Complete a claimed unit of work with its result", body: idempotencyCompleteSchema, response: completeAnswer },
  "POST /v1/idempotency/:id/release": { summary: "Release a claim after a failure", body: idempotencyClaimSchema, response: releaseAnswer },
  "GET /v1/idempotency/:id": { summary: "Describe a unit of work's record", response: idempotencyAnswer },
  // compacted topics (issue 13)
  "POST /v1/topics/:topic/compact": { summary: "Compact a compacted topic now (returns when done)", response: compactAnswer },
  "GET /v1/topics/:topic/keys/:key": { summary: "The latest live value of a key", query: keyQuerySchema, response: keyAnswer },
  "GET /v1/topics/:topic/state": { summary: "Every live key with its latest value, paged by key", query: stateQuerySchema, response: stateAnswer },
  // one call to consume (issue 14)
  "POST /v1/fetch": { summary: "Fetch many partitions with one long-poll", body: multiFetchSchema, response: multiFetchAnswer },
  "POST /v1/groups/:group/members/:member/records": { summary: "Heartbeat and read the member's assigned partitions", body: memberRecordsSchema, response: memberRecordsAnswer },
  // realtime (issue 15; docs/realtime.md)
  "GET /v1/topics/:topic/events": { summary: "Server-sent events: records as they arrive (resume with Last-Event-ID)", contentType: "text/event-stream" },
  "GET /v1/ws": { summary: "WebSocket subscriptions (JSON protocol in docs/realtime.md)" },
  // security and observability (issue 16; docs/security.md)
  "GET /metrics": { summary: "Prometheus metrics", contentType: "text/plain; version=0.0.4" },
  "GET /ui": { summary: "The web console", contentType: "text/html" },
  "GET /v1/auth/whoami": { summary: "The caller's principal", response: whoamiAnswer },
  "POST /v1/auth/keys": { summary: "Create an API key (its secret is shown once)", body: createKeySchema, response: createdApiKeyAnswer, status: 201 },
  "GET /v1/auth/keys": { summary: "List API keys (no secrets)", response: apiKeysAnswer },
  "DELETE /v1/auth/keys/:key_id": { summary: "Revoke an API key", response: apiKeyAnswer },
  "POST /v1/auth/acls": { summary: "Add an ACL binding", body: createBindingSchema, response: bindingAnswer, status: 201 },
  "GET /v1/auth/acls": { summary: "List ACL bindings", response: bindingsAnswer },
  "DELETE /v1/auth/acls/:binding_id": { summary: "Delete an ACL binding", response: deletedBindingAnswer },
  // Durable Streams protocol (issue 19; docs/compat.md): the stream name is the rest of the path
  "PUT /v1/stream/*": { summary: "Durable Streams: create a stream" },
  "POST /v1/stream/*": { summary: "Durable Streams: append (JSON or binary; Producer-* headers are idempotent)" },
  "GET /v1/stream/*": { summary: "Durable Streams: read (catch-up, long-poll or SSE live mode); HEAD for metadata" },
  "DELETE /v1/stream/*": { summary: "Durable Streams: delete a stream" },
  "OPTIONS /v1/stream/*": { summary: "Durable Streams: CORS preflight" },
  // Upstash-Kafka-style REST (issue 19; docs/compat.md), under the default KAFKA_REST_PREFIX
  "POST /kafka/produce": { summary: "Upstash-style: produce one record or an array", response: upstashProduceAnswer, error: upstashErrorAnswer },
  "POST /kafka/produce/:topic": { summary: "Upstash-style: produce to a topic", response: upstashProduceAnswer, error: upstashErrorAnswer },
  "POST /kafka/fetch": { summary: "Upstash-style: fetch from a partition", response: upstashMessagesAnswer, error: upstashErrorAnswer },
  "POST /kafka/consume/:group/:instance": { summary: "Upstash-style: consume as a group instance", response: upstashMessagesAnswer, error: upstashErrorAnswer },
  "POST /kafka/commit/:group/:instance": { summary: "Upstash-style: commit offsets", response: upstashSuccessAnswer, error: upstashErrorAnswer },
  "POST /kafka/committed/:group/:instance": { summary: "Upstash-style: committed offsets", response: upstashCommittedAnswer, error: upstashErrorAnswer },
  "POST /kafka/offsets/:time": { summary: "Upstash-style: offsets at a time, earliest or latest", response: upstashOffsetsAnswer, error: upstashErrorAnswer },
  "GET /kafka/topics": { summary: "Upstash-style: topics and their partitions", response: upstashTopicsAnswer, error: upstashErrorAnswer },
  "GET /kafka/consumers": { summary: "Upstash-style: consumer instances", response: upstashConsumersAnswer, error: upstashErrorAnswer },
  "POST /kafka/delete-consumer/:group/:instance": { summary: "Upstash-style: delete a consumer instance", response: upstashSuccessAnswer, error: upstashErrorAnswer },
  // bridges (issue 18; docs/bridges.md)
  "GET /v1/bridges/platforms": { summary: "The adapters' capability table", response: platformsAnswer },
  "POST /v1/bridges": { summary: "Create a bridge", body: bridgeBodySchema, response: bridgeAnswer, status: 201 },
  "GET /v1/bridges": { summary: "List bridges with their status", response: bridgesAnswer },
  "GET /v1/bridges/:name": { summary: "Describe a bridge", response: bridgeAnswer },
  "PUT /v1/bridges/:name": { summary: "Replace a bridge's spec", body: bridgeBodySchema, response: bridgeAnswer },
  "DELETE /v1/bridges/:name": { summary: "Stop and delete a bridge", status: 204 },
  "POST /v1/bridges/:name/reconnect": { summary: "Start (or restart) a bridge's pump", response: bridgeAnswer },
  "POST /v1/bridges/:name/disconnect": { summary: "Stop a bridge's pump", response: bridgeAnswer },
  "GET /v1/bridges/:name/topics": { summary: "The external broker's topics", response: externalTopicsAnswer },
  "GET /v1/bridges/:name/topics/:topic/schema": { summary: "Schema discovery on a sample of an external topic", response: externalSchemaAnswer },
};

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
const answerSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "output", unrepresentable: "any" });

/** The success entry of an operation: its JSON schema, another media type, or no body (204). */
function success(doc: RouteDoc): Record<string, unknown> {
  if (doc.response) return { description: "OK", content: { "application/json": { schema: answerSchema(doc.response) } } };
  if (doc.contentType) return { description: "OK", content: { [doc.contentType]: { schema: { type: "string" } } } };
  if (doc.status === 204) return { description: "No content" };
  return { description: "OK", content: { "application/json": { schema: { type: "object" } } } };
}

const errorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string", enum: Object.keys(ERROR_CODES) }, message: { type: "string" }, field: { type: "string" } },
    },
  },
};

/** Registered routes that have no entry in ROUTE_DOCS (the OpenAPI test fails on any). */
export function undocumentedRoutes(routes: ReadonlyArray<{ method: string; path: string }>): string[] {
  return unique(routes).filter((k) => !ROUTE_DOCS[k]);
}

function unique(routes: ReadonlyArray<{ method: string; path: string }>): string[] {
  // Hono lists middleware as method ALL; only real routes are API operations.
  return [...new Set(routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`))];
}

/** The OpenAPI 3.1 document of the app's routes. */
export function openApiDocument(routes: ReadonlyArray<{ method: string; path: string }>) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const key of unique(routes)) {
    const [method, path] = key.split(" ") as [string, string];
    const doc = ROUTE_DOCS[key] ?? { summary: "(undocumented)" };
    const params = [...path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    const query = doc.query
      ? Object.entries(doc.query.shape).map(([name, s]) => ({ name, in: "query", required: !(s as z.ZodType).safeParse(undefined).success, schema: jsonSchema(s as z.ZodType) }))
      : [];
    const operation: Record<string, unknown> = {
      summary: doc.summary,
      operationId: `${method.toLowerCase()}${path.replace(/[/:]+([A-Za-z_.]+)/g, (_, w: string) => w[0].toUpperCase() + w.slice(1).replace(/[._]/g, ""))}`,
      responses: {
        [String(doc.status ?? 200)]: success(doc),
        default: doc.error
          ? { description: "An error", content: { "application/json": { schema: answerSchema(doc.error) } } }
          : { description: "An error from the code table (docs/http-api.md)", content: { "application/json": { schema: errorBody } } },
      },
    };
    if (params.length > 0 || query.length > 0) operation.parameters = [...params, ...query];
    if (doc.body) operation.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(doc.body) } } };
    const openApiPath = path.replace(/:([A-Za-z_]+)/g, "{$1}");
    (paths[openApiPath] ??= {})[method.toLowerCase()] = operation;
  }
  return { openapi: "3.1.0", info: { title: "dostream HTTP API", version: "0.1.0" }, paths };
}
