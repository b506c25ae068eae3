import type { FetchedRecord, WireRecord } from "../../api/wire";
import { decodeBase64, encodeBase64 } from "../../core/base64";
import type { Result } from "../../core/errors";
import { fail } from "../../core/errors";
import { DS_MAX_READ_BYTES, MAX_MESSAGE_BYTES_CAP } from "../../core/limits";
import type { Env } from "../../env";
import { createTopic, deleteTopic } from "../../routing/admin";
import { fetchRecords, listOffsets } from "../../routing/consume";
import type { ProduceSession } from "../../routing/idempotence";
import { produce } from "../../routing/produce";
import { partitionStub } from "../../routing/stubs";
import { withTopic } from "../../routing/topics";
import { FIRST_DATA_OFFSET, streamTopic } from "./names";

/**
 * A Durable Stream on the engine (issue 19): a one-partition topic. Record 0 holds the stream's
 * metadata (content type, expiry), each append is one record (so one Producer-Seq is one Kafka
 * sequence), and the record that closes the stream carries the CLOSED header: closure is
 * durable and monotonic because the log is. No second storage path.
 */
export interface StreamMeta {
  contentType: string;
  /** Stream-TTL seconds; expiry counts from the last append (see docs/compat.md). */
  ttl?: number;
  /** Stream-Expires-At, as epoch ms. */
  expiresAt?: number;
  createdAt: number;
}

const META_HEADER = "ds-meta";
const CLOSED_HEADER = "ds-closed";
const SEQ_HEADER = "ds-seq";

export interface Tail {
  /** Kafka offset of the next record (the tail). */
  next: number;
  closed: boolean;
  /** Timestamp of the last record, for TTL. */
  lastWrite: number;
  /** The highest Stream-Seq appended so far (carried by every record after the first one given). */
  seq?: string;
}

export interface Stream {
  topic: string;
  meta: StreamMeta;
}

const metaCache = new Map<string, StreamMeta>();

export const isJson = (contentType: string) => mediaType(contentType) === "application/json";
export const mediaType = (contentType: string) => contentType.split(";")[0].trim().toLowerCase();

/** The stream's metadata, or undefined when there is no such stream (or it expired). */
export async function openStream(env: Env, name: string): Promise<Stream | undefined> {
  const topic = streamTopic(name);
  let meta = metaCache.get(topic);
  if (!meta) {
    const r = await fetchRecords(env, topic, 0, { offset: 0, maxRecords: 1, maxBytes: 1 << 20, waitMs: 0 });
    if (!r.ok) return undefined;
    const first = (JSON.parse(r.recordsJson) as FetchedRecord[])[0];
    const text = first && headerOf(first, META_HEADER);
    if (!text) return undefined; // created but its metadata not yet written: not there yet
    meta = JSON.parse(text) as StreamMeta;
    metaCache.set(topic, meta);
  }
  return { topic, meta };
}

export function forgetStream(name: string): void {
  metaCache.delete(streamTopic(name));
  tailGuess.delete(streamTopic(name));
}

/** True when the stream's absolute expiry passed, or its TTL ran out since the last write or read. */
export function expired(meta: StreamMeta, tail: Tail | undefined, lastRead: number | undefined, now: number): boolean {
  if (meta.expiresAt !== undefined && now >= meta.expiresAt) return true;
  if (meta.ttl !== undefined) return now >= Math.max(tail?.lastWrite ?? meta.createdAt, lastRead ?? 0) + meta.ttl * 1000;
  return false;
}

/**
 * Stream-TTL slides on reads as well as writes (PROTOCOL.md §5.1; the suite's "should extend TTL
 * on read"), and a read writes no record: the stream's partition keeps the last read time
 * (durable, so every isolate expires the stream alike). `touch` records this read; answers the
 * read before it.
 */
export async function lastRead(env: Env, stream: Stream, touch: boolean): Promise<number | undefined> {
  const r = await withTopic(env, stream.topic, async (topic) => ({ ok: true as const, at: await partitionStub(env, topic.topicId, 0).accessed(touch) }));
  return r.ok && r.at !== null ? r.at : undefined;
}

/** Last tail seen per stream topic in this isolate: a guess that saves a call, checked by every read. */
const tailGuess = new Map<string, number>();

/**
 * The tail, the closed flag and the last Stream-Seq, all from the last record. One call when this
 * isolate's guess of the tail is current or a little behind (reads from the guess to the end);
 * otherwise ListOffsets first.
 */
export async function tailOf(env: Env, stream: Stream): Promise<Result<Tail>> {
  const guess = tailGuess.get(stream.topic);
  if (guess !== undefined) {
    const r = await fetchRecords(env, stream.topic, 0, { offset: Math.max(0, guess - 1), maxRecords: 100, maxBytes: 1 << 20, waitMs: 0 });
    if (r.ok && r.count > 0 && r.nextOffset >= r.highWatermark) return tailFrom(stream, JSON.parse(r.recordsJson) as FetchedRecord[], r.highWatermark);
  }
  const latest = await listOffsets(env, stream.topic, "latest");
  if (!latest.ok) return latest;
  const next = latest.partitions[0].offset ?? 0;
  const last = await fetchRecords(env, stream.topic, 0, { offset: Math.max(0, next - 1), maxRecords: 1, maxBytes: 1 << 20, waitMs: 0 });
  if (!last.ok) return last;
  return tailFrom(stream, JSON.parse(last.recordsJson) as FetchedRecord[], last.highWatermark);
}

function tailFrom(stream: Stream, records: FetchedRecord[], highWatermark: number): Result<Tail> {
  tailGuess.set(stream.topic, highWatermark);
  const rec = records.at(-1);
  const seq = rec && headerOf(rec, SEQ_HEADER);
  return { ok: true, next: highWatermark, closed: rec ? headerOf(rec, CLOSED_HEADER) !== undefined : false, lastWrite: rec?.timestamp ?? stream.meta.createdAt, ...(seq !== undefined ? { seq } : {}) };
}

export type CreateOutcome = { ok: true; created: boolean; tail: Tail; meta: StreamMeta } | { ok: false; conflict: true } | { ok: false; error: Result<{}> & { ok: false } };

/** PUT: create the topic and its metadata record (and the initial body); an existing stream answers by comparing configs. */
export async function createStream(env: Env, name: string, meta: StreamMeta, body: Uint8Array[] | undefined, closed: boolean): Promise<CreateOutcome> {
  const topic = streamTopic(name);
  const made = await createTopic(env, { name: topic, partitions: 1, config: { "retention.ms": -1, "max.message.bytes": MAX_MESSAGE_BYTES_CAP } });
  if (!made.ok && made.error.code !== "TOPIC_ALREADY_EXISTS") return { ok: false, error: made };
  if (!made.ok) {
    const existing = await openStream(env, name);
    if (!existing) return { ok: false, conflict: true };
    const tail = await tailOf(env, existing);
    if (!tail.ok) return { ok: false, error: tail };
    const same = mediaType(existing.meta.contentType) === mediaType(meta.contentType) && existing.meta.ttl === meta.ttl && existing.meta.expiresAt === meta.expiresAt && tail.closed === closed;
    return same ? { ok: true, created: false, tail, meta: existing.meta } : { ok: false, conflict: true };
  }
  metaCache.delete(topic);
  const records: WireRecord[] = [{ value: encodeBase64(new TextEncoder().encode(JSON.stringify(meta))), value_encoding: "base64", headers: { [META_HEADER]: JSON.stringify(meta), ...(closed && !body ? { [CLOSED_HEADER]: "1" } : {}) } }];
  body?.forEach((part, i) => records.push({ value: encodeBase64(part), value_encoding: "base64", headers: closed && i === body.length - 1 ? { [CLOSED_HEADER]: "1" } : {} }));
  const written = await produce(env, topic, records, undefined, undefined, closed ? { seal: true } : undefined);
  if (!written.ok) return { ok: false, error: written };
  const stream = await openStream(env, name);
  if (!stream) return { ok: false, conflict: true };
  const tail = await tailOf(env, stream);
  if (!tail.ok) return { ok: false, error: tail };
  return { ok: true, created: true, tail, meta };
}

export type AppendOutcome =
  | { kind: "appended"; tail: number; closed: boolean; duplicate: boolean; /** a producer duplicate: the highest Producer-Seq accepted */ highest?: number }
  | { kind: "fenced"; epoch?: number }
  | { kind: "gap"; expected: number; received: number }
  | { kind: "bad_producer"; message: string }
  /** The stream was already closed: its partition is sealed and refused the append (nothing written). */
  | { kind: "closed" }
  | { kind: "error"; failure: Result<{}> & { ok: false } };

/**
 * One append (no parts only when closing) as one atomic batch of records, through the idempotent
 * producer when given (then one record: the route checks). The last record carries the closure,
 * and a closing append seals the partition in the same transaction, so an append racing the close
 * either lands before the closing record or is refused ("closed"): the stream never reopens.
 */
export async function appendStream(env: Env, stream: Stream, parts: Uint8Array[] | undefined, close: boolean, session: ProduceSession | undefined, seq?: string): Promise<AppendOutcome> {
  const headersFor = (last: boolean) => {
    const h: Record<string, string> = close && last ? { [CLOSED_HEADER]: "1" } : {};
    if (seq !== undefined) h[SEQ_HEADER] = seq;
    return h;
  };
  const records: WireRecord[] = parts ? parts.map((p, i) => ({ value: encodeBase64(p), value_encoding: "base64", headers: headersFor(i === parts.length - 1) })) : [{ value: null, headers: headersFor(true) }];
  const r = await produce(env, stream.topic, records, session, undefined, close ? { seal: true } : undefined);
  if (!r.ok) return producerOutcome(r, session);
  const last = r.records[r.records.length - 1];
  if ("error" in last) return producerOutcome({ ok: false, error: last.error }, session);
  if (r.replayed && session) {
    const highest = await highestAccepted(env, stream, session);
    return { kind: "appended", tail: last.offset + 1, closed: close, duplicate: true, ...(highest !== undefined ? { highest } : {}) };
  }
  return { kind: "appended", tail: last.offset + 1, closed: close, duplicate: r.replayed === true };
}

/**
 * The highest Producer-Seq the partition accepted for this producer and epoch (PROTOCOL.md §5.2.1:
 * a duplicate answers it), read without writing: a one-record batch at sequence -1 is never the
 * next one nor a retained batch, so the partition refuses it with the sequence it expects next.
 * undefined when the partition has no state for this epoch (fenced, newer epoch, expired).
 */
export async function highestAccepted(env: Env, stream: Stream, session: ProduceSession): Promise<number | undefined> {
  const r = await produce(env, stream.topic, [{ value: null }], { ...session, baseSequences: { "0": -1 } });
  const error = !r.ok ? r.error : "error" in r.records[0] ? r.records[0].error : undefined;
  const expected = error?.code === "OUT_OF_ORDER_SEQUENCE_NUMBER" ? error.details?.expected_sequence : undefined;
  return typeof expected === "number" ? expected - 1 : undefined;
}

/** Our partitions' sequence verdicts in Durable Streams' terms (PROTOCOL.md §5.2.1). */
function producerOutcome(r: Result<{}> & { ok: false }, session: ProduceSession | undefined): AppendOutcome {
  const { code, details } = r.error;
  const received = session && session.baseSequences !== "zero" ? (session.baseSequences["0"] ?? 0) : 0;
  if (code === "INVALID_PRODUCER_EPOCH") return { kind: "fenced", epoch: typeof details?.current_epoch === "number" ? details.current_epoch : undefined };
  if (code === "OUT_OF_ORDER_SEQUENCE_NUMBER" && typeof details?.expected_sequence === "number") {
    // A sequence at or below the last one written is a retry the partition no longer keeps a batch for.
    if (received < details.expected_sequence) return { kind: "appended", tail: -1, closed: false, duplicate: true, highest: details.expected_sequence - 1 };
    return { kind: "gap", expected: details.expected_sequence, received };
  }
  if (code === "OUT_OF_ORDER_SEQUENCE_NUMBER") return { kind: "bad_producer", message: r.error.message };
  if (code === "UNKNOWN_PRODUCER_ID") return { kind: "gap", expected: 0, received };
  if (code === "PARTITION_SEALED") return { kind: "closed" };
  return { kind: "error", failure: r };
}

export interface ReadChunk {
  /** The stored appends in order, each the bytes as sent (JSON mode: the messages joined by ","). */
  parts: Uint8Array[];
  next: number;
  upToDate: boolean;
  closed: boolean;
}

/** Reads from `offset`, waiting up to `waitMs` when there is nothing yet. */
export async function readStream(env: Env, stream: Stream, offset: number, waitMs: number): Promise<Result<ReadChunk>> {
  const r = await fetchRecords(env, stream.topic, 0, { offset: Math.max(offset, FIRST_DATA_OFFSET), maxRecords: 1000, maxBytes: DS_MAX_READ_BYTES, waitMs });
  if (!r.ok) return r;
  const parts: Uint8Array[] = [];
  let closed = false;
  for (const rec of JSON.parse(r.recordsJson) as FetchedRecord[]) {
    if (headerOf(rec, CLOSED_HEADER) !== undefined) closed = true;
    if (rec.offset < FIRST_DATA_OFFSET || rec.value === null) continue;
    parts.push(decodeBase64(rec.value as string) ?? new Uint8Array());
  }
  const next = Math.max(r.nextOffset, offset);
  const upToDate = next >= r.highWatermark;
  // At the tail with nothing read, the closing record may lie behind the offset: ask the tail itself.
  if (upToDate && !closed && r.count === 0) {
    const tail = await tailOf(env, stream);
    if (tail.ok) closed = tail.closed;
  }
  return { ok: true, parts, next, upToDate, closed: closed && upToDate };
}

export async function removeStream(env: Env, name: string): Promise<Result<{}>> {
  forgetStream(name);
  const r = await deleteTopic(env, streamTopic(name));
  return r.ok ? { ok: true } : r;
}

function headerOf(rec: FetchedRecord, name: string): string | undefined {
  const h = rec.headers;
  if (Array.isArray(h)) return h.find((x) => x.key === name)?.value ?? undefined;
  return (h as Record<string, string>)[name];
}

export { fail };
