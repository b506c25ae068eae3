import { arg, list, parseFrom, str } from "./args.js";
import type { Command } from "./command.js";
import { UsageError } from "./errors.js";
import { enc } from "./http.js";
import { fields, printJson, table } from "./output.js";

type Assignment = { topic: string; partitions: number[] }[];
const assignmentText = (a: Assignment) => a.map((t) => `${t.topic}:${t.partitions.join(",")}`).join(" ") || "-";

export const groupsList: Command = {
  usage: "groups list",
  summary: "consumer groups and their states",
  options: {},
  async run(_p, { api, out }) {
    const r = await api.get<{ groups: { group_id: string; state: string }[] }>("/v1/groups");
    if (out.json) return printJson(out, r);
    table(out, ["group", "state"], r.groups.map((g) => [g.group_id, g.state]));
  },
};

export const groupsDescribe: Command = {
  usage: "groups describe <group>",
  summary: "state, generation, leader, assignor, members and their partitions",
  options: {},
  async run(p, { api, out }) {
    const g = await api.get(`/v1/groups/${enc(arg(p, 0, "group"))}`);
    if (out.json) return printJson(out, g);
    fields(out, [
      ["group", g.group_id],
      ["state", g.state],
      ["generation", g.generation],
      ["leader", g.leader],
      ["assignor", g.assignor],
    ]);
    out.stdout.write("\n");
    table(
      out,
      ["member", "instance", "generation", "assignment", "revoking"],
      (g.members as { member_id: string; group_instance_id: string | null; generation: number; assignment: Assignment; revoking: Assignment }[]).map((m) => [
        m.member_id,
        m.group_instance_id,
        m.generation,
        assignmentText(m.assignment),
        assignmentText(m.revoking ?? []),
      ]),
    );
  },
};

interface Lag {
  topic: string;
  partition: number;
  committed_offset: number | null;
  log_start_offset: number;
  high_watermark: number;
  lag: number | null;
}

export const groupsLag: Command = {
  usage: "groups lag <group> [--topic T]",
  summary: "committed offset (next to read), high watermark and lag per partition",
  options: { topic: { type: "string", short: "t" } },
  async run(p, { api, out }) {
    const group = arg(p, 0, "group");
    const topic = str(p, "topic");
    const r = await api.get<{ group_id: string; partitions: Lag[] }>(`/v1/groups/${enc(group)}/offsets${topic ? `?topic=${enc(topic)}` : ""}`);
    if (out.json) return printJson(out, r);
    table(out, ["topic", "partition", "committed", "high watermark", "lag"], r.partitions.map((l) => [l.topic, l.partition, l.committed_offset, l.high_watermark, l.lag]));
    const total = r.partitions.reduce((sum, l) => sum + (l.lag ?? 0), 0);
    out.stdout.write(`total lag: ${total}\n`);
  },
};

export const groupsReset: Command = {
  usage: "groups reset <group> --topic T --to earliest|latest|<offset>|<time> [--partition P]…",
  summary: "move a stopped group's offsets (as kafka-consumer-groups --reset-offsets)",
  options: { topic: { type: "string", short: "t" }, to: { type: "string" }, partition: { type: "string", multiple: true } },
  async run(p, { api, out }) {
    const group = arg(p, 0, "group");
    const topic = str(p, "topic");
    const toFlag = str(p, "to");
    if (!topic) throw new UsageError("groups reset needs --topic");
    if (!toFlag) throw new UsageError("groups reset needs --to");
    const from = parseFrom(toFlag, "to");
    const to = from.kind === "offset" ? { offset: from.offset } : from.kind === "time" ? { timestamp: from.timestamp } : from.kind;
    const partitions = list(p, "partition").map((v) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--partition must be a partition number, got "${v}"`);
      return Number(v);
    });
    const r = await api.post<{ offsets: { topic: string; partition: number; offset: number }[] }>(`/v1/groups/${enc(group)}/offsets/reset`, {
      topic,
      to,
      ...(partitions.length > 0 && { partitions }),
    });
    if (out.json) return printJson(out, r);
    table(out, ["topic", "partition", "offset"], r.offsets.map((o) => [o.topic, o.partition, o.offset]));
  },
};
