import type { TopicInfo } from "../catalog/types";
import { decodeBase64, encodeBase64 } from "../core/base64";
import { fail, type Failure, type Result } from "../core/errors";
import { partitionForKey } from "../core/partitioner";
import { isCompacted } from "../log/partition-log";
import { encodeRecord } from "../log/records";
import type { KeyViewRow } from "../log/key-view";
import type { Env } from "../env";
import { partitionStub } from "./stubs";
import { withTopic } from "./topics";

/** What `POST /v1/topics/:topic/compact` answers: the sums over the topic's partitions. */
export interface CompactTopicOk {
  records_removed: number;
  bytes_removed: number;
  segments_rewritten: number;
  segments_dropped: number;
}

function compacted(topic: TopicInfo): Failure | null {
  if (isCompacted(topic.config)) return null;
  return fail("TOPIC_NOT_COMPACTED", `topic '${topic.name}' has cleanup.policy=${topic.config["cleanup.policy"]}; compaction and the key view need compact or delete,compact`, "topic");
}

/** On-demand compaction of every partition (issue 13); resolves when all are done. */
export function compactTopic(env: Env, name: string): Promise<Result<CompactTopicOk>> {
  return withTopic<CompactTopicOk>(env, name, async (topic) => {
    const refused = compacted(topic);
    if (refused) return refused;
    const answers = await Promise.all(Array.from({ length: topic.partitions }, (_, p) => partitionStub(env, topic.topicId, p).compact()));
    const sum: CompactTopicOk = { records_removed: 0, bytes_removed: 0, segments_rewritten: 0, segments_dropped: 0 };
    for (const a of answers) {
      if (!a.ok) return a;
      sum.records_removed += a.records;
      sum.bytes_removed += a.bytes;
      sum.segments_rewritten += a.segmentsRewritten;
      sum.segments_dropped += a.segmentsDropped;
    }
    return { ok: true, ...sum };
  });
}

/** A key as sent: text, or bytes when the caller says `key_encoding=base64` (routed as produce routes it). */
export type KeyInput = { key: string; encoding?: "base64" };

function keyBytes(input: KeyInput): Result<{ key: string | Uint8Array }> {
  if (input.encoding !== "base64") return { ok: true, key: input.key };
  const bytes = decodeBase64(input.key);
  return bytes ? { ok: true, key: bytes } : fail("INVALID_REQUEST", "key is not valid base64 (key_encoding=base64)", "key");
}

/**
 * The latest value of one key (issue 13): routed with murmur2 to its partition, as produce routes
 * it, and answered from that partition's key view. `record_json` is the record as a fetch returns
 * it, with the value's exact stored text. KEY_NOT_FOUND when absent or deleted.
 */
export function getKey(env: Env, name: string, input: KeyInput): Promise<Result<{ partition: number; record_json: string }>> {
  return withTopic<{ partition: number; record_json: string }>(env, name, async (topic) => {
    const refused = compacted(topic);
    if (refused) return refused;
    const k = keyBytes(input);
    if (!k.ok) return k;
    const partition = partitionForKey(k.key, topic.partitions);
    const r = await partitionStub(env, topic.topicId, partition).getKey(k.key);
    if (!r.ok) return r;
    if (!r.record) return fail("KEY_NOT_FOUND", `topic '${topic.name}' has no live value for this key (never written, or deleted by a tombstone)`, "key");
    return { ok: true, partition, record_json: entryJson(partition, r.record) };
  });
}

/** One page of the topic's current state: every live key with its latest value, partition by partition, key order within one. */
export function readState(env: Env, name: string, cursor: string | undefined, limit: number): Promise<Result<{ entries_json: string; count: number; next_cursor: string | null }>> {
  return withTopic<{ entries_json: string; count: number; next_cursor: string | null }>(env, name, async (topic) => {
    const refused = compacted(topic);
    if (refused) return refused;
    const at = parseCursor(cursor, topic.partitions);
    if (!at.ok) return at;
    const parts: string[] = [];
    let partition = at.partition;
    let after = at.after;
    while (partition < topic.partitions && parts.length < limit) {
      const page = await partitionStub(env, topic.topicId, partition).keyPage(after, limit - parts.length);
      if (!page.ok) return page;
      for (const row of page.rows) parts.push(entryJson(partition, row));
      if (page.more) {
        const last = page.rows[page.rows.length - 1].key;
        return { ok: true, entries_json: `[${parts.join(",")}]`, count: parts.length, next_cursor: makeCursor(partition, last) };
      }
      partition++;
      after = null;
    }
    const next = partition < topic.partitions ? makeCursor(partition, null) : null;
    return { ok: true, entries_json: `[${parts.join(",")}]`, count: parts.length, next_cursor: next };
  });
}

function entryJson(partition: number, row: KeyViewRow): string {
  return `{"partition":${partition},${encodeRecord(row).slice(1)}`;
}

// Cursor: base64url of JSON [partition, key-or-null, "b" when the key is bytes]. Opaque to callers.
function makeCursor(partition: number, key: string | ArrayBuffer | null): string {
  const body = key === null ? [partition, null] : typeof key === "string" ? [partition, key] : [partition, encodeBase64(new Uint8Array(key)), "b"];
  return btoa(unescape(encodeURIComponent(JSON.stringify(body)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function parseCursor(cursor: string | undefined, partitions: number): Result<{ partition: number; after: string | Uint8Array | null }> {
  if (cursor === undefined) return { ok: true, partition: 0, after: null };
  const bad = fail("INVALID_REQUEST", "cursor is not one this API returned (use next_cursor as given)", "cursor");
  try {
    const text = decodeURIComponent(escape(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))));
    const [p, k, kind] = JSON.parse(text) as [unknown, unknown, unknown];
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= partitions) return bad;
    if (k === null) return { ok: true, partition: p, after: null };
    if (typeof k !== "string") return bad;
    if (kind === "b") {
      const bytes = decodeBase64(k);
      return bytes ? { ok: true, partition: p, after: bytes } : bad;
    }
    return { ok: true, partition: p, after: k };
  } catch {
    return bad;
  }
}
