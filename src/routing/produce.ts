import { cdcEnabled, type CdcEvent } from "../cdc/events";
import { emit } from "./cdc";
import type { TopicInfo } from "../catalog/types";
import { fail, type ErrorBody, type Result } from "../core/errors";
import { assignPartitions } from "../core/partitioner";
import type { AppendOk, AppendOptions, AppendProducer, AppendRecord } from "../log/types";
import { producerFor, type ProduceSession } from "./idempotence";
import type { WireRecord } from "../api/wire";
import type { Env } from "../env";
import { appendToPartition, type KeepAlive } from "./append";
import { prepare } from "./prepare";
import { addPartitionsToTxn } from "./transactions";
import { checkTimestamps } from "./timestamps";
import { isStaleMetadata, withTopic } from "./topics";
import { checkRecords } from "./schema";


export type ProduceRecordResult =
  | { partition: number; offset: number; timestamp: number }
  | { partition: number; error: ErrorBody };

export interface ProduceOk {
  ok: true;
  records: ProduceRecordResult[];
  /** Number of records that were not written (their partition's append failed). */
  failed: number;
  /** Every partition answered a retry of a batch already written: nothing was written now (issue 12). */
  replayed?: boolean;
}

/**
 * Produce: check every record first (a bad record rejects the request and nothing is written),
 * route by Kafka's partitioner, then append each partition's records in one atomic call, all
 * partitions in parallel. A partition whose append fails (or throws) reports the failure on its
 * records only, so the caller learns exactly what was written and resends only the rest (issue 9).
 * `keepAlive` (the request's waitUntil) lets concurrent requests share appends (src/routing/append.ts).
 */
function produceEvents(topic: string, input: WireRecord[], results: ProduceRecordResult[]): CdcEvent[] {
  const events: CdcEvent[] = [];
  results.forEach((r, i) => {
    if ("error" in r) return;
    const key = input[i]?.key;
    events.push({ type: "stream.produce", topic, partition: r.partition, offset: r.offset, key: typeof key === "string" ? key : null, timestamp: new Date(r.timestamp).toISOString() });
  });
  return events;
}

/** Every check produce makes before writing (timestamps, sizes, partitions, the registered schema), and nothing else. */
async function check(env: Env, topic: TopicInfo, input: WireRecord[]) {
  const timely = checkTimestamps(topic, input, Date.now());
  if (!timely.ok) return timely;
  const prepared = prepare(topic, input);
  if (!prepared.ok) return prepared;
  const valid = await checkRecords(env, topic, prepared.records); // the registered schema, if any (issue 17)
  return valid.ok ? prepared : valid;
}

/**
 * What produce would refuse, without writing: a request that writes to several topics one after
 * another checks them all first, so a refusal (missing topic, bad record) leaves nothing written.
 */
export function checkProduce(env: Env, topicName: string, input: WireRecord[]): Promise<Result<{}>> {
  return withTopic<{}>(env, topicName, async (topic) => {
    const checked = await check(env, topic, input);
    return checked.ok ? { ok: true } : checked;
  });
}

/** `options.seal` seals every partition the request appends to, with its records (src/log/types.ts). */
export function produce(env: Env, topicName: string, input: WireRecord[], session?: ProduceSession, keepAlive?: KeepAlive, options?: AppendOptions): Promise<Result<ProduceOk>> {
  return withTopic<Omit<ProduceOk, "ok">>(env, topicName, async (topic) => {
    const prepared = await check(env, topic, input);
    if (!prepared.ok) return prepared;
    // Keys as stored (text or bytes): a binary key hashes over its raw bytes, as in Kafka.
    const partitions = assignPartitions(input.map((r, i) => ({ partition: r.partition, key: prepared.records[i].key })), topic.partitions);
    const groups = new Map<number, number[]>();
    partitions.forEach((p, i) => groups.set(p, [...(groups.get(p) ?? []), i]));
    const producers = new Map<number, AppendProducer | undefined>();
    for (const p of groups.keys()) {
      const producer = producerFor(session, p);
      if (producer && !producer.ok) return producer;
      producers.set(p, producer?.producer);
    }
    // AddPartitionsToTxn before any append: a commit or abort then reaches every partition written.
    if (session?.transactionalId !== undefined) {
      const txn = { transactionalId: session.transactionalId, producerId: session.producerId, epoch: session.epoch };
      const added = await addPartitionsToTxn(env, txn, [...groups.keys()].map((partition) => ({ topicId: topic.topicId, topic: topic.name, partition })));
      if (!added.ok) return added;
      for (const p of producers.values()) if (p) p.txn = added.txn;
    }
    let duplicates = 0;

    const results: ProduceRecordResult[] = new Array(input.length);
    const failures: ErrorBody[] = [];
    await Promise.all(
      [...groups].map(async ([p, indexes]) => {
        const answer = await appendTo(env, topic, p, indexes.map((i) => prepared.records[i]), producers.get(p), keepAlive, options);
        if (answer.ok && answer.duplicate) duplicates++;
        indexes.forEach((i, j) => {
          results[i] = answer.ok ? { partition: p, offset: answer.baseOffset + j, timestamp: answer.timestamps[j] } : { partition: p, error: answer.error };
        });
        if (!answer.ok) failures.push(answer.error);
      }),
    );
    // Nothing written, for one reason (or stale metadata everywhere): answer with the error itself,
    // and let withTopic refresh stale metadata and retry. Different reasons answer per record.
    const oneReason = failures.every((f) => f.code === failures[0].code || (isStaleMetadata(f.code) && isStaleMetadata(failures[0].code)));
    if (failures.length === groups.size && oneReason) return { ok: false, error: failures[0] };
    const failed = results.filter((r) => "error" in r).length;
    // CDC (issue 16): a transactional produce is not an event until commit, and a replay is none.
    if (cdcEnabled(topic.config) && session?.transactionalId === undefined && duplicates === 0) await emit(env, produceEvents(topic.name, input, results));
    return { ok: true, records: results, failed, ...(duplicates === groups.size ? { replayed: true } : {}) };
  });
}

/**
 * One partition's append, never thrown: the other partitions of the request may already have
 * committed, so a throw here must not turn the whole request into a 500 that a client retries in
 * full (duplicating what was written). A thrown call (the object was reset, overloaded, or the
 * connection to it broke) has an unknown outcome: UNKNOWN_SERVER_ERROR is retriable, and an
 * idempotent producer, which never resends an unknown outcome, gives up on those records instead.
 */
async function appendTo(env: Env, topic: TopicInfo, partition: number, records: AppendRecord[], producer?: AppendProducer, keepAlive?: KeepAlive, options?: AppendOptions): Promise<Result<AppendOk>> {
  try {
    return await appendToPartition(env, topic, partition, records, producer, keepAlive, options);
  } catch (err) {
    console.error(`append to ${topic.name}-${partition} threw`, err);
    const reason = err instanceof Error ? err.message : String(err);
    return fail("UNKNOWN_SERVER_ERROR", `append to partition ${partition} failed (${reason}); its records may or may not be written`);
  }
}

