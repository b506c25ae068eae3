import { DS_TOPIC_PREFIX, isStreamTopic } from "../compat/durable-streams/names";
import { Hono } from "hono";
import { addPartitionsSchema, alterConfigSchema, createTopicSchema, offsetsQuerySchema } from "../api/schemas";
import { addPartitions, alterTopicConfig, createTopic, deleteTopic, listTopics } from "../routing/admin";
import { listOffsets } from "../routing/consume";
import { describeTopic } from "../routing/topics";
import { answer } from "../api/responses/common";
import { listOffsetsAnswer, topicDeletedAnswer, topicJson, topicListAnswer } from "../api/responses/topics";
import type { Env } from "../env";
import { visible } from "../auth/authorize";
import { principalOf } from "./auth";
import { errorResponse, failureResponse } from "./errors";
import { jsonBody, query } from "./validate";

/** Topic administration and offset lookups: `/v1/topics...`. */
export const topicRoutes = new Hono<{ Bindings: Env }>();

topicRoutes.post("/", async (c) => {
  const body = await jsonBody(c, createTopicSchema);
  // Durable Streams' namespace (issue 19): only PUT /v1/stream/:name creates topics there.
  if (isStreamTopic(body.name)) return errorResponse(c, { code: "INVALID_TOPIC_EXCEPTION", message: `topic names starting with '${DS_TOPIC_PREFIX}' are reserved for Durable Streams (PUT /v1/stream/:name)`, field: "name" });
  const r = await createTopic(c.env, body);
  return r.ok ? c.json(topicJson(r.topic), 201) : failureResponse(c, r);
});

topicRoutes.get("/", async (c) => {
  const all = await listTopics(c.env);
  // Issue 16: a principal sees only the topics it may describe (as Kafka's Metadata answers).
  const shown = await visible(c.env, principalOf(c), "topic", all.map((t) => t.name));
  // Durable Streams' topics are listed by the streams surface, not here (still readable by name).
  const topics = all.filter((t) => shown.has(t.name) && !isStreamTopic(t.name));
  return c.json(answer(topicListAnswer, { topics: topics.map((t) => ({ name: t.name, partitions: t.partitions })) }));
});

topicRoutes.get("/:topic", async (c) => {
  const r = await describeTopic(c.env, c.req.param("topic"));
  return r.ok ? c.json(topicJson(r.topic, r.partitions)) : failureResponse(c, r);
});

topicRoutes.delete("/:topic", async (c) => {
  const r = await deleteTopic(c.env, c.req.param("topic"));
  return r.ok ? c.json(answer(topicDeletedAnswer, { deleted: r.topic.name })) : failureResponse(c, r);
});

topicRoutes.patch("/:topic/config", async (c) => {
  const body = await jsonBody(c, alterConfigSchema);
  const r = await alterTopicConfig(c.env, c.req.param("topic"), body.config);
  return r.ok ? c.json(topicJson(r.topic)) : failureResponse(c, r);
});

topicRoutes.post("/:topic/partitions", async (c) => {
  const body = await jsonBody(c, addPartitionsSchema);
  const r = await addPartitions(c.env, c.req.param("topic"), body.count);
  return r.ok ? c.json(topicJson(r.topic)) : failureResponse(c, r);
});

topicRoutes.get("/:topic/offsets", async (c) => {
  const { at } = query(c, offsetsQuerySchema);
  const r = await listOffsets(c.env, c.req.param("topic"), typeof at === "number" ? { timestamp: at } : at);
  return r.ok ? c.json(answer(listOffsetsAnswer, { topic: c.req.param("topic"), partitions: r.partitions })) : failureResponse(c, r);
});
