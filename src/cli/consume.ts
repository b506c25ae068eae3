import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { Consumer, type Message } from "../sdk/index.js";
import { arg, int, parseFrom, str, type From } from "./args.js";
import type { Command } from "./command.js";
import { UsageError } from "./errors.js";
import { enc } from "./http.js";
import { Progress } from "./output.js";

/** How long one poll waits for records; without --follow, an empty poll means "caught up". */
const POLL_TIMEOUT_MS = 1_000;

interface PartitionOffsets {
  partition: number;
  earliest_offset: number;
  latest_offset: number;
}

export const consume: Command = {
  usage: "consume <topic> [--group G] [--from earliest|latest|<offset>|<time>] [--partition P] [--follow] [--max N] [--out FILE]",
  summary: "print records (--json: one JSON object per line, values as their exact text); stops at the end unless --follow",
  options: {
    group: { type: "string", short: "g" },
    from: { type: "string" },
    partition: { type: "string" },
    follow: { type: "boolean", short: "F" },
    max: { type: "string" },
    out: { type: "string", short: "o" },
  },
  async run(p, { api, connection, out }) {
    const topic = arg(p, 0, "topic");
    const groupId = str(p, "group");
    const fromFlag = str(p, "from");
    const from: From | undefined = fromFlag === undefined ? undefined : parseFrom(fromFlag, "from");
    const only = int(p, "partition");
    if (only !== undefined && groupId !== undefined) throw new UsageError("--partition reads one partition outside any group; drop --group");
    const max = int(p, "max", { min: 1 });
    const follow = p.values.follow === true;

    // The log ends now: without --follow, reading stops there (and the progress bar measures against it).
    const described = await api.get<{ partitions: number; partition_offsets: PartitionOffsets[] }>(`/v1/topics/${enc(topic)}`);
    if (only !== undefined && only >= described.partitions) throw new UsageError(`--partition ${only}: ${topic} has ${described.partitions} partitions`);
    const ends = new Map(described.partition_offsets.map((o) => [o.partition, o.latest_offset]));
    const total = from?.kind === "earliest" && !follow ? described.partition_offsets.reduce((n, o) => n + (only === undefined || o.partition === only ? o.latest_offset - o.earliest_offset : 0), 0) : null;

    const consumer = new Consumer(topic, {
      connection,
      groupId,
      // With a group, --from earliest|latest is Kafka's auto.offset.reset (used when nothing is committed).
      autoOffsetReset: from?.kind === "latest" ? "latest" : "earliest",
    });
    // The SDK reports what it recovers from (a retried heartbeat…) on its error channel: warn about
    // those; a failure while closing means the final commit did not happen, so the run fails.
    let closing = false;
    let closeError: unknown = null;
    consumer.on("error", (e) => {
      if (closing) closeError ??= e;
      else out.stderr.write(`warning ${e.code}: ${e.message}\n`);
    });
    const partitions = only !== undefined ? [only] : [...ends.keys()];
    if (from && (groupId === undefined || from.kind === "offset" || from.kind === "time")) {
      const tps = partitions.map((partition) => ({ topic, partition }));
      if (from.kind === "earliest") await consumer.seekToBeginning(tps);
      else if (from.kind === "latest") await consumer.seekToEnd(tps);
      else if (from.kind === "time") await consumer.seekToTimestamp(from.timestamp, tps);
      else for (const partition of partitions) await consumer.seek({ partition, offset: from.offset });
    }
    if (only !== undefined) {
      // One partition: the consumer owns them all (no group), so the others are paused, and
      // "caught up" looks at this one only.
      await consumer.connect();
      consumer.pause([...ends.keys()].filter((k) => k !== only).map((partition) => ({ topic, partition })));
      for (const k of [...ends.keys()]) if (k !== only) ends.delete(k);
    }

    const sink = str(p, "out") !== undefined ? createWriteStream(str(p, "out")!) : out.stdout;
    const progress = new Progress(out.stderr, `consume ${topic}`, total);
    const next = new Map<number, number>();
    let count = 0;
    let stopping = false;
    const stop = () => (stopping = true);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const caughtUp = () => [...ends].every(([partition, end]) => end === 0 || (next.get(partition) ?? -1) >= end);

    try {
      while (!stopping) {
        if (!follow && from?.kind === "latest") break;
        const batch = await consumer.pollBatch({ timeout: POLL_TIMEOUT_MS, maxRecords: max === undefined ? undefined : Math.min(500, max - count) });
        if (batch.length === 0 && !follow) break;
        for (const m of batch) {
          if (only !== undefined && m.partition !== only) continue;
          if (!sink.write(format(m, out.json) + "\n")) await once(sink, "drain");
          next.set(m.partition, m.offset + 1);
          count++;
          if (max !== undefined && count >= max) stopping = true;
        }
        progress.update(count, count);
        if (!follow && caughtUp()) break;
      }
    } finally {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
      // Commits what was printed (with --group) and leaves the group.
      closing = true;
      await consumer.close();
      progress.done(count, count);
      if (sink !== out.stdout) {
        (sink as NodeJS.WritableStream).end();
        await once(sink, "finish");
      }
    }
    if (closeError) throw closeError;
    if (sink !== out.stdout || out.stderr.isTTY) out.stderr.write(`consumed ${count} record${count === 1 ? "" : "s"} from ${topic}\n`);
  },
};

const base64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/**
 * --json: one object per line, the value spliced in as its exact stored text (a JSON parser would
 * lose what the engine kept, e.g. integers beyond 2^53); binary keys and values as base64 with
 * `*_encoding`, as the HTTP API writes them. Human: partition:offset, key, value, tab-separated.
 */
function format(m: Message, json: boolean): string {
  const binaryKey = m.key instanceof Uint8Array;
  const binaryValue = m.value instanceof Uint8Array;
  if (!json) {
    const key = m.key === null ? "-" : binaryKey ? base64(m.key as Uint8Array) : (m.key as string);
    const value = m.valueText ?? (binaryValue ? base64(m.value as Uint8Array) : "null");
    return `${m.partition}:${m.offset}\t${key}\t${value}`;
  }
  const head = JSON.stringify({
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    key: binaryKey ? base64(m.key as Uint8Array) : m.key,
    ...(binaryKey && { key_encoding: "base64" }),
    headers: m.headers,
    ...(binaryValue && { value_encoding: "base64" }),
  });
  const value = m.valueText ?? (binaryValue ? JSON.stringify(base64(m.value as Uint8Array)) : "null");
  return `${head.slice(0, -1)},"value":${value}}`;
}
