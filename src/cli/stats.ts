import type { WireStatsAnswer } from "../api/wire.js";
import type { Command } from "./command.js";
import { bytes, printJson, table } from "./output.js";

export const stats: Command = {
  usage: "stats",
  summary: "totals over all topics and tiers (a few seconds behind: partitions report every 2 s)",
  options: {},
  async run(_p, { api, out }) {
    const s = await api.get<WireStatsAnswer>("/stats");
    if (out.json) return printJson(out, s);
    out.stdout.write(`topics: ${s.topics}  partitions: ${s.partitions}\n\n`);
    table(out, ["tier", "records", "bytes", "segments"], [
      ["hot (SQLite)", s.hot.records, bytes(s.hot.bytes), null],
      ["warm (R2 Parquet)", s.warm.records, bytes(s.warm.bytes), s.warm.segments],
      ["total", s.records, bytes(s.bytes), null],
    ]);
  },
};
