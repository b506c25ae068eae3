import { OffsetOutOfRangeError } from "../errors.js";
import type { OffsetSpec, Transport } from "../transport/types.js";
import { partitionKey, type AutoOffsetReset, type TopicPartition } from "../types.js";
import type { StartIntent } from "./fetcher.js";

/**
 * Resolves start intents to offsets with one request per topic and kind: ListOffsets for log ends
 * and times, the group's `position` (committed offset, else auto_offset_reset) for "committed".
 */
export async function resolveStarts(
  transport: Transport,
  groupId: string | undefined,
  reset: AutoOffsetReset,
  wanted: Array<{ tp: TopicPartition; intent: StartIntent }>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const lookups = new Map<string, Promise<Map<number, number | null>>>();
  const lookup = (topic: string, kind: string, load: () => Promise<Map<number, number | null>>) => {
    const id = `${kind}\n${topic}`;
    if (!lookups.has(id)) lookups.set(id, load());
    return lookups.get(id)!;
  };
  const listed = (topic: string, spec: OffsetSpec) =>
    lookup(topic, JSON.stringify(spec), async () => new Map((await transport.listOffsets(topic, spec)).map((o) => [o.partition, o.offset])));

  await Promise.all(
    wanted.map(async ({ tp, intent }) => {
      let offset: number | null | undefined;
      if (typeof intent === "object" && "offset" in intent) offset = intent.offset;
      else if (intent === "committed" && groupId) {
        const positions = await lookup(tp.topic, "group", async () =>
          new Map((await transport.groupOffsets(groupId, { topic: tp.topic, autoOffsetReset: reset })).map((p) => [p.partition, p.position])),
        );
        offset = positions.get(tp.partition);
      } else if (intent === "committed" || intent === "reset") {
        if (reset === "none") offset = null;
        else offset = (await listed(tp.topic, reset)).get(tp.partition);
      } else {
        offset = (await listed(tp.topic, intent)).get(tp.partition);
        // A time after the last record has no offset (Kafka's -1): start where the next record will land.
        if (offset === null && typeof intent === "object") offset = (await listed(tp.topic, "latest")).get(tp.partition);
      }
      if (offset === null || offset === undefined) {
        const why = intent === "reset" ? "its position is out of range" : "it has no committed offset";
        throw new OffsetOutOfRangeError(`${tp.topic}-${tp.partition}: ${why} and autoOffsetReset is 'none'`, { field: "autoOffsetReset" });
      }
      out.set(partitionKey(tp), offset);
    }),
  );
  return out;
}
