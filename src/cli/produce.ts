import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { Producer, type ProduceMessage } from "../sdk/index.js";
import { arg, int, list, pairs, str } from "./args.js";
import type { Command } from "./command.js";
import { UsageError } from "./errors.js";
import { bytes, printJson, Progress, table } from "./output.js";

/** Lines handed to the Producer per sendBatch; it splits them into requests by its own limits. */
const LINES_PER_BATCH = 1_000;
/** Batches in flight at once: enough to keep requests overlapping, bounded so memory stays flat for any file. */
const BATCHES_IN_FLIGHT = 4;

type Format = "auto" | "json" | "raw";

export const produce: Command = {
  usage: "produce <topic> [--file F] [--key K | --key-separator S] [--format auto|json|raw] [--partition P] [--header k=v]…",
  summary: "one record per line of stdin (or --file); blank lines are skipped",
  options: {
    file: { type: "string", short: "f" },
    key: { type: "string", short: "k" },
    "key-separator": { type: "string" },
    format: { type: "string" },
    partition: { type: "string" },
    header: { type: "string", multiple: true },
  },
  async run(p, { connection, out, stdin }) {
    const topic = arg(p, 0, "topic");
    const format = (str(p, "format") ?? "auto") as Format;
    if (!["auto", "json", "raw"].includes(format)) throw new UsageError(`--format takes auto, json or raw, got "${format}"`);
    const key = str(p, "key");
    const separator = str(p, "key-separator");
    if (key !== undefined && separator !== undefined) throw new UsageError("--key and --key-separator exclude each other");
    if (separator === "") throw new UsageError("--key-separator must not be empty");
    const partition = int(p, "partition");
    const headers = list(p, "header").length > 0 ? pairs(list(p, "header"), "header") : undefined;
    const file = str(p, "file");

    let input: NodeJS.ReadableStream = stdin;
    let total: number | null = null;
    if (file !== undefined) {
      try {
        total = statSync(file).size;
      } catch (err) {
        throw new UsageError(`--file ${file}: ${(err as Error).message}`);
      }
      input = createReadStream(file);
    }
    const progress = new Progress(out.stderr, `produce ${topic}`, total, bytes);

    // Kafka's auto.create.topics.enable is off here: a typo in the topic name should fail, not create.
    const producer = new Producer({ connection, allowAutoTopicCreation: false, lingerMs: 5 });
    const perPartition = new Map<number, { records: number; first: number; last: number }>();
    let read = 0;
    let sent = 0;
    let lineNo = 0;
    let batch: ProduceMessage[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;

    const send = (messages: ProduceMessage[]) => {
      const done = producer.sendBatch(topic, messages).then(
        (results) => {
          for (const r of results) {
            const s = perPartition.get(r.partition);
            if (s) {
              s.records++;
              s.first = Math.min(s.first, r.offset);
              s.last = Math.max(s.last, r.offset);
            } else perPartition.set(r.partition, { records: 1, first: r.offset, last: r.offset });
          }
          sent += results.length;
          progress.update(read, sent);
        },
        (err) => {
          failure ??= err;
        },
      );
      const tracked = done.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };

    try {
      for await (const line of createInterface({ input, crlfDelay: Infinity })) {
        lineNo++;
        read += Buffer.byteLength(line) + 1;
        if (failure) break;
        if (line.trim() === "") continue;
        batch.push(toMessage(line, lineNo, { format, key, separator, partition, headers }));
        if (batch.length >= LINES_PER_BATCH) {
          send(batch);
          batch = [];
          while (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
        }
      }
      if (batch.length > 0 && !failure) send(batch);
      await Promise.all(inFlight);
    } finally {
      await producer.close().catch(() => {});
      progress.done(total ?? read, sent);
    }
    if (failure) {
      if (sent > 0) out.stderr.write(`${sent} records were written before the failure\n`);
      throw failure;
    }

    const partitions = [...perPartition.entries()].sort(([a], [b]) => a - b).map(([p, s]) => ({ partition: p, records: s.records, first_offset: s.first, last_offset: s.last }));
    if (out.json) return printJson(out, { topic, records: sent, partitions });
    table(out, ["partition", "records", "first offset", "last offset"], partitions.map((s) => [s.partition, s.records, s.first_offset, s.last_offset]));
    out.stdout.write(`produced ${sent} record${sent === 1 ? "" : "s"} to ${topic}\n`);
  },
};

function toMessage(
  line: string,
  lineNo: number,
  o: { format: Format; key?: string; separator?: string; partition?: number; headers?: Record<string, string> },
): ProduceMessage {
  let key: string | undefined = o.key;
  let text = line;
  if (o.separator !== undefined) {
    const i = line.indexOf(o.separator);
    if (i < 0) throw new UsageError(`line ${lineNo} has no key separator "${o.separator}"`);
    key = line.slice(0, i);
    text = line.slice(i + o.separator.length);
  }
  const message: ProduceMessage = { ...(key !== undefined && { key }), ...(o.partition !== undefined && { partition: o.partition }), ...(o.headers && { headers: o.headers }) };
  // json: the line is the value's JSON text, stored exactly as written (the engine refuses
  // anything that is not JSON: INVALID_RECORD). raw: the line is a string value. auto: JSON when
  // the line parses as JSON, else a string.
  if (o.format === "raw" || (o.format === "auto" && !isJson(text))) message.value = text;
  else message.valueText = text;
  return message;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
