import { Hono } from "hono";
import { listTopics } from "../broker/admin";
import { describeTopic } from "../broker/topics";
import type { Env } from "../env";

/** `GET /stats`: totals across every topic and tier. */
export const statsRoutes = new Hono<{ Bindings: Env }>();

statsRoutes.get("/", async (c) => {
  const topics = await listTopics(c.env);
  const described = await Promise.all(topics.map((t) => describeTopic(c.env, t.name)));
  const totals = { topics: topics.length, partitions: 0, records: 0, bytes: 0, hot: { records: 0, bytes: 0 }, warm: { records: 0, bytes: 0, segments: 0 } };
  for (const d of described) {
    if (!d.ok) continue; // deleted while we looked
    for (const p of d.partitions) {
      totals.partitions++;
      totals.records += p.records;
      totals.bytes += p.bytes;
      totals.hot.records += p.hot.records;
      totals.hot.bytes += p.hot.bytes;
      totals.warm.records += p.warm.records;
      totals.warm.bytes += p.warm.bytes;
      totals.warm.segments += p.warm.segments;
    }
  }
  return c.json(totals);
});
