import { arg, int, list, pairs } from "./args.js";
import type { Command } from "./command.js";
import { UsageError } from "./errors.js";
import { enc } from "./http.js";
import { bytes, fields, printJson, table } from "./output.js";

interface TopicJson {
  name: string;
  topic_id: string;
  partitions: number;
  config: Record<string, unknown>;
  created_at: number;
  partition_offsets?: { partition: number; earliest_offset: number; latest_offset: number; records: number; bytes: number; hot: { records: number }; warm: { records: number; segments: number } }[];
}

export const topicsList: Command = {
  usage: "topics list",
  summary: "list topics and their partition counts",
  options: {},
  async run(_p, { api, out }) {
    const r = await api.get<{ topics: { name: string; partitions: number }[] }>("/v1/topics");
    if (out.json) return printJson(out, r);
    table(out, ["topic", "partitions"], r.topics.map((t) => [t.name, t.partitions]));
  },
};

export const topicsCreate: Command = {
  usage: "topics create <name> [--partitions N] [--config key=value]…",
  summary: "create a topic (configs as in docs/http-api.md, e.g. retention.ms=86400000)",
  options: { partitions: { type: "string", short: "p" }, config: { type: "string", multiple: true, short: "c" } },
  async run(p, { api, out }) {
    const name = arg(p, 0, "name");
    const body = { name, partitions: int(p, "partitions", { min: 1 }), config: pairs(list(p, "config"), "config") };
    const r = await api.post<TopicJson>("/v1/topics", body);
    if (out.json) return printJson(out, r);
    out.stdout.write(`created topic ${r.name} (${r.partitions} partition${r.partitions === 1 ? "" : "s"})\n`);
  },
};

export const topicsDescribe: Command = {
  usage: "topics describe <name>",
  summary: "config and per-partition offsets, records and tiers",
  options: {},
  async run(p, { api, out }) {
    const r = await api.get<TopicJson>(`/v1/topics/${enc(arg(p, 0, "name"))}`);
    if (out.json) return printJson(out, r);
    fields(out, [
      ["topic", r.name],
      ["topic id", r.topic_id],
      ["partitions", r.partitions],
      ["created", new Date(r.created_at).toISOString()],
    ]);
    out.stdout.write("\n");
    table(out, ["config", "value"], Object.entries(r.config).map(([k, v]) => [k, String(v)]));
    out.stdout.write("\n");
    table(
      out,
      ["partition", "earliest", "latest", "records", "bytes", "hot", "warm", "segments"],
      (r.partition_offsets ?? []).map((o) => [o.partition, o.earliest_offset, o.latest_offset, o.records, bytes(o.bytes), o.hot.records, o.warm.records, o.warm.segments]),
    );
  },
};

export const topicsDelete: Command = {
  usage: "topics delete <name>",
  summary: "delete a topic and all its records",
  options: {},
  async run(p, { api, out }) {
    const r = await api.delete<{ deleted: string }>(`/v1/topics/${enc(arg(p, 0, "name"))}`);
    if (out.json) return printJson(out, r);
    out.stdout.write(`deleted topic ${r.deleted}\n`);
  },
};

export const topicsAlter: Command = {
  usage: "topics alter <name> [--partitions N] [--config key=value]… [--delete-config key]…",
  summary: "grow the partition count, set configs, or restore their defaults",
  options: {
    partitions: { type: "string", short: "p" },
    config: { type: "string", multiple: true, short: "c" },
    "delete-config": { type: "string", multiple: true },
  },
  async run(p, { api, out }) {
    const name = arg(p, 0, "name");
    const count = int(p, "partitions", { min: 1 });
    const config: Record<string, string | null> = pairs(list(p, "config"), "config");
    for (const key of list(p, "delete-config")) config[key] = null;
    if (count === undefined && Object.keys(config).length === 0) throw new UsageError("topics alter needs --partitions, --config or --delete-config");
    // Config first: a refused config (INVALID_CONFIG) then changes nothing at all.
    let topic: TopicJson | undefined;
    if (Object.keys(config).length > 0) topic = await api.patch<TopicJson>(`/v1/topics/${enc(name)}/config`, { config });
    if (count !== undefined) topic = await api.post<TopicJson>(`/v1/topics/${enc(name)}/partitions`, { count });
    if (out.json) return printJson(out, topic);
    const changes = [...(count !== undefined ? [`${count} partitions`] : []), ...Object.keys(config).map((k) => (config[k] === null ? `${k} reset` : `${k}=${config[k]}`))];
    out.stdout.write(`altered topic ${name}: ${changes.join(", ")}\n`);
  },
};
