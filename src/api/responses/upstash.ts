import { z } from "zod";
import type { committed, consume, consumers } from "../../compat/upstash/consumers";
import type { UpstashMessage } from "../../compat/upstash/messages";
import type { Same } from "./same";

/**
 * Answers of the Upstash-Kafka-style REST surface (issue 19; docs/compat.md), in Upstash's shapes
 * (camelCase-free, as the official `@upstash/kafka` client reads them). Its errors are Upstash's
 * `{ error, status }`, not the engine's error object.
 */
export const upstashErrorAnswer = z.strictObject({ error: z.string(), status: z.int() });

/** POST /kafka/produce[/:topic]: one entry per record, in request order (offset -1 and an error when one failed). */
export const upstashProduceAnswer = z.array(
  z.strictObject({ topic: z.string(), partition: z.int(), offset: z.int(), timestamp: z.int(), error: z.string().optional() }),
);

/** A record as Upstash answers it: key and value are strings ("" for none), headers a list. */
export const upstashMessage = z.strictObject({
  topic: z.string(),
  partition: z.int(),
  offset: z.int(),
  timestamp: z.int(),
  key: z.string(),
  value: z.string(),
  headers: z.array(z.strictObject({ key: z.string(), value: z.string() })),
});

/** POST /kafka/fetch and POST /kafka/consume/:group/:instance. */
export const upstashMessagesAnswer = z.array(upstashMessage);

/** POST /kafka/commit/... and /kafka/delete-consumer/...: Upstash's success object. */
export const upstashSuccessAnswer = z.strictObject({ result: z.literal("Success"), status: z.literal(200) });

/** POST /kafka/committed/:group/:instance: offset -1 where the group committed nothing. */
export const upstashCommittedAnswer = z.array(z.strictObject({ topic: z.string(), partition: z.int(), offset: z.int(), metadata: z.string() }));

/** POST /kafka/offsets/:time. */
export const upstashOffsetsAnswer = z.array(z.strictObject({ topic: z.string(), partition: z.int(), offset: z.int() }));

/** GET /kafka/topics: topic name → partition count. */
export const upstashTopicsAnswer = z.record(z.string(), z.int());

/** GET /kafka/consumers: instances by group, with the partitions each has read. */
export const upstashConsumersAnswer = z.array(
  z.strictObject({
    name: z.string(),
    instances: z.array(z.strictObject({ name: z.string(), topics: z.array(z.strictObject({ topic: z.string(), partitions: z.array(z.int()) })) })),
  }),
);

/** The answer's object is the one `@upstash/kafka` reads (compile-time only). */
const _sameMessage: Same<UpstashMessage, z.output<typeof upstashMessage>> = true;
void _sameMessage;

// The consumer-instance answers are built in src/compat/upstash/consumers.ts (compile-time only).
type Answer<F extends (...a: never[]) => Promise<unknown>> = Exclude<Awaited<ReturnType<F>>, { ok: false }>;
const _sameConsumers: [
  Same<Answer<typeof consumers>, z.output<typeof upstashConsumersAnswer>>,
  Same<Answer<typeof committed>["offsets"], z.output<typeof upstashCommittedAnswer>>,
  Same<Answer<typeof consume>["messages"], z.output<typeof upstashMessagesAnswer>>,
] = [true, true, true];
void _sameConsumers;
