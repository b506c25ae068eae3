import { z } from "zod";
import type { ExternalTopic } from "../../bridges/adapter";
import type { Same } from "./same";

/** Answers of the bridge routes `/v1/bridges/...` (issue 18; docs/bridges.md). */

/** GET /v1/bridges/platforms: the adapters' capability table. */
export const platformsAnswer = z.strictObject({
  platforms: z.array(
    z.strictObject({
      platform: z.string(),
      label: z.string(),
      /** "not yet": the API knows the platform but has no adapter for it. */
      status: z.enum(["available", "not yet"]),
      produce: z.boolean(),
      consume: z.boolean(),
      partitions: z.boolean(),
      consumer_groups: z.boolean(),
      ordering: z.string(),
      replay: z.boolean(),
      idempotent_sink: z.boolean(),
    }),
  ),
});

/** A bridge's spec as answered: a stored password reads "***" (it is never answered). */
const specShape = {
  name: z.string(),
  platform: z.string(),
  connection: z.strictObject({
    host: z.string(),
    port: z.int(),
    username: z.string().optional(),
    password: z.string().optional(),
    database: z.int().optional(),
    vhost: z.string().optional(),
  }),
  direction: z.enum(["source", "sink"]),
  mapping: z.array(z.strictObject({ external: z.string(), topic: z.string() })),
  options: z.strictObject({ start: z.enum(["earliest", "latest"]).optional(), batch_records: z.int().optional() }),
};

/** One bridge with its status: POST, GET, PUT, reconnect and disconnect answer it. */
export const bridgeAnswer = z.strictObject({
  ...specShape,
  status: z.enum(["CONNECTED", "DISCONNECTED", "ERROR"]),
  /** What the pump should do: "stopped" after a disconnect. */
  desired: z.enum(["running", "stopped"]),
  last_error: z.string().nullable(),
  last_error_at: z.int().nullable(),
  records: z.int(),
  bytes: z.int(),
  records_per_s: z.number(),
  /** Records the external side holds beyond the checkpoints, when the broker says. */
  lag: z.number().nullable(),
  checkpoints: z.array(z.strictObject({ external: z.string(), topic: z.string(), cursor: z.string().nullable(), lag: z.number().nullable(), pending: z.boolean() })),
  /** A sink's consumer group (its position is the group's offsets). */
  group: z.string().optional(),
  created_at: z.int(),
  updated_at: z.int(),
});

/** GET /v1/bridges. */
export const bridgesAnswer = z.strictObject({ bridges: z.array(bridgeAnswer) });

/** GET /v1/bridges/:name/topics: what the broker calls its streams (stream, subject, queue, topic). */
export const externalTopicsAnswer = z.strictObject({
  topics: z.array(z.strictObject({ name: z.string(), kind: z.string(), records: z.number().nullable().optional(), subjects: z.array(z.string()).optional() })),
});

/** GET /v1/bridges/:name/topics/:topic/schema: schema discovery on a sample of the external stream. */
export const externalSchemaAnswer = z.strictObject({
  uri: z.string(),
  sample_size: z.int(),
  /** A JSON Schema (src/schema/json-schema.ts). */
  schema: z.record(z.string(), z.unknown()),
});

/** The adapters' ExternalTopic is what the answer lists (compile-time only). */
const _sameTopic: Same<ExternalTopic, z.output<typeof externalTopicsAnswer>["topics"][number]> = true;
void _sameTopic;
