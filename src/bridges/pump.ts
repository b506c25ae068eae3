import { scanJson } from "../api/json-text";
import type { WireHeaders, WireRecord } from "../api/wire";
import { assignPartitions } from "../core/partitioner";
import { BRIDGE_BATCH_BYTES, BRIDGE_BATCH_RECORDS, BRIDGE_POLL_WAIT_MS, MAX_VALUE_DEPTH } from "../core/limits";
import type { Env } from "../env";
import { fetchRecords, listOffsets } from "../routing/consume";
import { commitOffsets, groupOffsets } from "../routing/groups";
import { markValueTextChecked } from "../routing/prepare";
import { produce } from "../routing/produce";
import { initProducer } from "../routing/producers";
import { lookupTopic } from "../routing/topics";
import { BrokerError, type BrokerAdapter, type ExternalRecord, type OutboundRecord } from "./adapter";
import type { BridgeStore, PendingBatch } from "./store";
import type { BridgeSpec, Mapping } from "./types";

/** What one pump run needs: the engine, the bridge's storage, an open adapter, and when to stop. */
export interface PumpContext {
  env: Env;
  store: BridgeStore;
  adapter: BrokerAdapter;
  spec: BridgeSpec;
  /** True once the run should end (deadline passed, or the bridge is being stopped/deleted). */
  stop: () => boolean;
  /** Records moved in this run, for rates. */
  moved: (records: number) => void;
}

/** The consumer group a sink reads through: its offsets are the sink's checkpoint (GET /v1/groups shows its lag). */
export const sinkGroup = (bridge: string) => `bridge.${bridge}`;

/** Runs until `stop()`; a failure (broker down, topic gone) throws to the BridgeDO, which records it and retries later. */
export async function pump(ctx: PumpContext): Promise<void> {
  while (!ctx.stop()) {
    let moved = 0;
    for (const m of ctx.spec.mapping) {
      if (ctx.stop()) return;
      moved += ctx.spec.direction === "source" ? await sourceStep(ctx, m) : await sinkStep(ctx, m);
    }
    if (moved === 0 && ctx.spec.direction === "sink") await idle(ctx);
  }
}

/**
 * One source batch: finish a staged batch first (a crash between staging and committing left it),
 * else read after the checkpoint, assign partitions and sequences, stage, produce, commit. The
 * partitions answer a resent batch with its original offsets (idempotent producer), so a crash at
 * any point writes each external record once.
 */
async function sourceStep(ctx: PumpContext, m: Mapping): Promise<number> {
  const { store } = ctx;
  const producer = await ensureProducer(ctx);
  const at = store.checkpoint(m.external, m.topic);
  let batch = at.pending;
  if (!batch) {
    const max = ctx.spec.options.batch_records ?? BRIDGE_BATCH_RECORDS;
    const got = await ctx.adapter.consume(m.external, at.cursor, max, BRIDGE_POLL_WAIT_MS);
    if (ctx.adapter.ack && got.records.length) return pushBatch(ctx, m, got.records, got.lag);
    if (got.records.length === 0) {
      if (got.lag !== at.lag) store.setLag(m.external, m.topic, got.lag);
      return 0;
    }
    // Bound the staged batch by bytes too (DO memory, SQLite's 2 MB row): the rest is read again next time.
    let kept = 0;
    for (let bytes = 0; kept < got.records.length; kept++) {
      bytes += got.records[kept].value.length + (got.records[kept].key?.length ?? 0);
      if (bytes > BRIDGE_BATCH_BYTES && kept > 0) break;
    }
    const records = got.records.slice(0, kept);
    const cursor = kept === got.records.length ? got.cursor : records[kept - 1].id;
    batch = await stageBatch(ctx, m, records, cursor);
    store.stage(m.external, m.topic, batch, got.lag);
  }
  await producePending(ctx, m, batch, producer);
  return batch.records.length;
}

/** Produces a staged batch with its sequences and commits it (checkpoint, sequences, dedupe keys) in one transaction. */
async function producePending(ctx: PumpContext, m: Mapping, batch: PendingBatch, producer: { id: number; epoch: number }): Promise<void> {
  const { store } = ctx;
  const r = await produce(ctx.env, m.topic, batch.records, { producerId: producer.id, epoch: producer.epoch, baseSequences: batch.baseSequences });
  if (!r.ok) {
    if (r.error.code === "UNKNOWN_PRODUCER_ID" || r.error.code === "OUT_OF_ORDER_SEQUENCE_NUMBER" || r.error.code === "INVALID_PRODUCER_EPOCH") {
      // The partitions forgot this producer (idle past producer.id.expiration.ms): start a new one.
      await resetProducer(ctx);
    }
    throw new BrokerError(`writing to topic '${m.topic}' failed: ${r.error.code}: ${r.error.message}`);
  }
  const failed = r.records.find((x) => "error" in x);
  if (failed && "error" in failed) throw new BrokerError(`writing to topic '${m.topic}' failed: ${failed.error.code}: ${failed.error.message}`);
  const counts = new Map<number, number>();
  for (const rec of batch.records) counts.set(rec.partition!, (counts.get(rec.partition!) ?? 0) + 1);
  store.commitSource(m.external, m.topic, batch, counts);
  ctx.moved(batch.records.length);
}

/**
 * A batch from a push broker (MQTT, AMQP), which redelivers what was not acknowledged instead of
 * replaying from a cursor: a redelivered record whose dedupe key is remembered is already in our
 * topic and is only acknowledged again; the rest is staged, produced and committed with its keys,
 * then acknowledged. A crash before the acknowledgement brings the records back as redeliveries,
 * which the remembered keys drop. Keys the broker has certainly seen acknowledged are forgotten.
 */
async function pushBatch(ctx: PumpContext, m: Mapping, records: ExternalRecord[], lag: number | null): Promise<number> {
  const { store } = ctx;
  // A first delivery under a key means the broker is done with any earlier message of that key (MQTT reuses packet ids).
  const fresh = records.filter((r) => r.dedupe !== undefined && !r.redelivered).map((r) => r.dedupe!);
  if (fresh.length) store.forget(m.external, fresh);
  const again = store.seen(m.external, records.filter((r) => r.redelivered && r.dedupe !== undefined).map((r) => r.dedupe!));
  const toWrite = records.filter((r) => !(r.redelivered && r.dedupe !== undefined && again.has(r.dedupe)));
  if (toWrite.length) {
    const producer = await ensureProducer(ctx);
    const batch = await stageBatch(ctx, m, toWrite, null);
    batch.dedupe = toWrite.flatMap((r) => (r.dedupe === undefined ? [] : [r.dedupe]));
    store.stage(m.external, m.topic, batch, lag);
    await producePending(ctx, m, batch, producer);
  }
  const acked = await ctx.adapter.ack!(m.external, records);
  if (acked.length) store.forget(m.external, acked);
  return toWrite.length;
}

async function stageBatch(ctx: PumpContext, m: Mapping, records: ExternalRecord[], cursor: string | null): Promise<PendingBatch> {
  const t = await lookupTopic(ctx.env, m.topic);
  if (!t.ok) throw new BrokerError(`topic '${m.topic}' of the mapping is gone: ${t.error.message}`);
  const partitions = assignPartitions(records, t.topic.partitions);
  const next = ctx.store.nextSequences(m.topic);
  const baseSequences: Record<string, number> = {};
  let bytes = 0;
  const wire: WireRecord[] = records.map((r, i) => {
    const p = partitions[i];
    if (baseSequences[p] === undefined) baseSequences[p] = next.get(p) ?? 0;
    bytes += r.value.length + (r.key?.length ?? 0);
    const w: WireRecord = { key: r.key, partition: p, headers: r.headers };
    // The engine's own JSON rule (scanJson, MAX_VALUE_DEPTH), so what is sent as JSON text is what
    // produce accepts; marked checked, so produce does not scan it a second time.
    if (scanJson(r.value, MAX_VALUE_DEPTH).ok) {
      w.value_text = r.value;
      markValueTextChecked(w);
    } else w.value = r.value;
    return w;
  });
  return { cursor, records: wire, baseSequences, bytes };
}

async function ensureProducer(ctx: PumpContext): Promise<{ id: number; epoch: number }> {
  const known = ctx.store.get()?.producer;
  if (known) return known;
  return resetProducer(ctx);
}

async function resetProducer(ctx: PumpContext): Promise<{ id: number; epoch: number }> {
  const p = await initProducer(ctx.env, null);
  ctx.store.setProducer(p.producer_id, p.producer_epoch);
  return { id: p.producer_id, epoch: p.producer_epoch };
}

/**
 * One sink pass over the topic's partitions: read after the group's committed offset, write to
 * the broker, and commit only once the broker acknowledged (a crash in between resends the batch;
 * the adapters deduplicate by "topic/partition/offset" where the broker can).
 */
async function sinkStep(ctx: PumpContext, m: Mapping): Promise<number> {
  const group = sinkGroup(ctx.spec.name);
  const positions = await sinkPositions(ctx, group, m.topic);
  const max = ctx.spec.options.batch_records ?? BRIDGE_BATCH_RECORDS;
  const t = await lookupTopic(ctx.env, m.topic);
  if (!t.ok) throw new BrokerError(`topic '${m.topic}' of the mapping is gone: ${t.error.message}`);
  const topicId = t.topic.topicId;
  let moved = 0;
  let lag = 0;
  for (const { partition, position, highWatermark } of positions) {
    if (ctx.stop()) break;
    if (position >= highWatermark) continue;
    const r = await fetchRecords(ctx.env, m.topic, partition, { offset: position, maxRecords: max, maxBytes: BRIDGE_BATCH_BYTES, waitMs: 0, isolation: "read_committed" });
    if (!r.ok) throw new BrokerError(`reading topic '${m.topic}' failed: ${r.error.code}: ${r.error.message}`);
    const fetched = JSON.parse(r.recordsJson) as Array<{ offset: number; key: string | null; value: unknown; headers: WireHeaders }>;
    const out: OutboundRecord[] = fetched.map((f) => ({
      ref: `${topicId}/${partition}/${f.offset}`, partitionRef: `${topicId}/${partition}`, topic: m.topic, partition, offset: f.offset, key: f.key,
      value: typeof f.value === "string" ? f.value : JSON.stringify(f.value ?? null), headers: textHeaders(f.headers),
    }));
    if (out.length) await ctx.adapter.produce(m.external, out);
    const c = await commitOffsets(ctx.env, group, { offsets: [{ topic: m.topic, partition, offset: r.nextOffset }] });
    if (!c.ok) throw new BrokerError(`committing the sink's offsets failed: ${c.error.code}: ${c.error.message}`);
    ctx.store.addTotals(out.length, out.reduce((n, o) => n + o.value.length + (o.key?.length ?? 0), 0));
    ctx.moved(out.length);
    moved += out.length;
    lag += Math.max(0, r.highWatermark - r.nextOffset);
  }
  ctx.store.setLag(m.external, m.topic, lag);
  return moved;
}

async function sinkPositions(ctx: PumpContext, group: string, topic: string): Promise<Array<{ partition: number; position: number; highWatermark: number }>> {
  const g = await groupOffsets(ctx.env, group, topic, "earliest");
  if (g.ok) return g.partitions.map((p) => ({ partition: p.partition, position: p.position ?? p.logStartOffset, highWatermark: p.highWatermark }));
  if (g.error.code !== "GROUP_ID_NOT_FOUND") throw new BrokerError(`reading the sink's group offsets failed: ${g.error.code}: ${g.error.message}`);
  // No commit yet: from the start of every partition.
  const earliest = await listOffsets(ctx.env, topic, "earliest");
  const latest = await listOffsets(ctx.env, topic, "latest");
  if (!earliest.ok || !latest.ok) throw new BrokerError(`topic '${topic}' of the mapping is gone`);
  return earliest.partitions.map((p, i) => ({ partition: p.partition, position: p.offset ?? 0, highWatermark: latest.partitions[i].offset ?? 0 }));
}

/** Header values as text (bytes headers travel as their base64 text). */
function textHeaders(h: WireHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(h)) for (const x of h) out[x.key] = x.value ?? "";
  else for (const [k, v] of Object.entries(h ?? {})) out[k] = v;
  return out;
}

/** Nothing to move: wait on the first partition's long-poll rather than spin. */
async function idle(ctx: PumpContext): Promise<void> {
  const m = ctx.spec.mapping[0];
  const g = await groupOffsets(ctx.env, sinkGroup(ctx.spec.name), m.topic, "earliest");
  const p = g.ok ? g.partitions[0] : undefined;
  if (!p) return new Promise((ok) => setTimeout(ok, BRIDGE_POLL_WAIT_MS));
  await fetchRecords(ctx.env, m.topic, p.partition, { offset: p.position ?? p.highWatermark, maxRecords: 1, maxBytes: 1024, waitMs: BRIDGE_POLL_WAIT_MS });
}
