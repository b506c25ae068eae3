import { z } from "zod";

/** `GET /health`: `deep=1` adds the catalog's round trip (src/http/metrics.ts). */
export const healthAnswer = z.object({
  status: z.literal("ok"),
  time: z.int(),
  catalog: z.object({ status: z.literal("ok"), latency_ms: z.number() }).optional(),
});

/** `GET /openapi.json`: the document itself (validated by test/unit/openapi.test.ts, not here). */
export const openApiAnswer = z.looseObject({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

/** Records and bytes across tiers and per tier, as /stats and a topic's describe show them. */
export const tierTotalsShape = {
  records: z.int(),
  bytes: z.int(),
  hot: z.object({ records: z.int(), bytes: z.int() }),
  /** Warm: record count, Parquet object bytes, segment count. */
  warm: z.object({ records: z.int(), bytes: z.int(), segments: z.int() }),
};

/** `GET /stats`: cluster totals from the summaries partitions report (src/stats/summaries.ts). */
export const statsAnswer = z.object({ topics: z.int(), partitions: z.int(), ...tierTotalsShape });
