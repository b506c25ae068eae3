import { z } from "zod";

/**
 * Pieces shared by the answer schemas (issue 10, item 3). Answers are described, not parsed: the
 * routes type what they build with `z.input<typeof schema>` (see `answer`), the OpenAPI document
 * shows each schema's output JSON Schema, and test/workers/responses.test.ts checks real answers
 * against them, so a handler and its schema cannot drift.
 */

/** A partition's error inside a multi-partition answer: the HTTP error body's shape (details flattened in). */
export const errorItemSchema = z.looseObject({ code: z.string(), message: z.string(), field: z.string().optional() });

/** A produce record's error: the engine's error with its details, if any, under `details`. */
export const recordErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

export const topicPartitionsSchema = z.object({ topic: z.string(), partitions: z.array(z.int()) });

export const topicPartitionOffsetSchema = z.object({ topic: z.string(), partition: z.int(), offset: z.int() });

/**
 * Types a handler's answer by its schema at compile time only: the hot paths must not pay for a
 * parse, and the workers test already checks real answers against every schema.
 */
export const answer = <S extends z.ZodType>(_schema: S, value: z.input<S>): z.input<S> => value;
