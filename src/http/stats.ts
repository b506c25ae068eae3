import { Hono } from "hono";
import { clusterStats } from "../routing/admin";
import type { Env } from "../env";
import { answer } from "../api/responses/common";
import { statsAnswer } from "../api/responses/core";

/**
 * `GET /stats`: totals across every topic and tier, from the summaries partitions report to the
 * catalog (at most SUMMARY_REPORT_INTERVAL_MS old): one call, however many partitions there are.
 */
export const statsRoutes = new Hono<{ Bindings: Env }>();

statsRoutes.get("/", async (c) => c.json(answer(statsAnswer, await clusterStats(c.env))));
