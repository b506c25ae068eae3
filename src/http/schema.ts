import { Hono } from "hono";
import {
  inferSchemaSchema,
  registerSchemaSchema,
  schemaQuerySchema,
  schemaVersionParamSchema,
} from "../api/schemas";
import { discoveryJson, inferenceJson, registrationJson, unregistrationJson, versionJson, versionsJson } from "../api/schema-json";
import { discoverSchema, inferRecords, registerSchema, schemaVersion, schemaVersions, unregisterSchema } from "../routing/schema";
import { DEFAULT_SCHEMA_SAMPLE } from "../core/limits";
import { parseJson } from "../schema/json-text";
import type { Env } from "../env";
import { failureResponse } from "./errors";
import { jsonBody, jsonBodyWithText, parseWith, query } from "./validate";

/** Schema discovery, versions and registration: `/v1/topics/:topic/schema...` (issue 17). */
export const topicSchemaRoutes = new Hono<{ Bindings: Env }>();

topicSchemaRoutes.get("/:topic/schema", async (c) => {
  const q = query(c, schemaQuerySchema);
  const r = await discoverSchema(c.env, c.req.param("topic"), q.sample ?? DEFAULT_SCHEMA_SAMPLE);
  return r.ok ? c.json(discoveryJson(r)) : failureResponse(c, r);
});

topicSchemaRoutes.put("/:topic/schema", async (c) => {
  const body = await jsonBody(c, registerSchemaSchema);
  const r = await registerSchema(c.env, c.req.param("topic"), body.schema, body.compatibility);
  return r.ok ? c.json(registrationJson(c.req.param("topic"), r), r.created ? 201 : 200) : failureResponse(c, r);
});

topicSchemaRoutes.delete("/:topic/schema", async (c) => {
  const r = await unregisterSchema(c.env, c.req.param("topic"));
  return r.ok ? c.json(unregistrationJson(c.req.param("topic"), r.enforced)) : failureResponse(c, r);
});

topicSchemaRoutes.get("/:topic/schema/versions", async (c) => {
  const r = await schemaVersions(c.env, c.req.param("topic"));
  return r.ok ? c.json(versionsJson(c.req.param("topic"), r.versions)) : failureResponse(c, r);
});

topicSchemaRoutes.get("/:topic/schema/versions/:version", async (c) => {
  const { version } = parseWith(schemaVersionParamSchema, { version: c.req.param("version") }, "path");
  const r = await schemaVersion(c.env, c.req.param("topic"), version);
  return r.ok ? c.json(versionJson(c.req.param("topic"), r.version)) : failureResponse(c, r);
});

/** `POST /v1/schema/infer`: stateless inference from the records in the body. */
export const schemaRoutes = new Hono<{ Bindings: Env }>();

schemaRoutes.post("/infer", async (c) => {
  const { value, text } = await jsonBodyWithText(c, inferSchemaSchema);
  // The body's numbers exactly as sent: an id beyond 2^53 is still an integer.
  return c.json(inferenceJson(inferRecords(value.records, parseJson(text), value.topic)));
});
