import type { FetchedRecord } from "../../api/wire";
import { fail, type Result } from "../../core/errors";
import type { Env } from "../../env";
import { fetchRecords, listOffsets } from "../../routing/consume";
import { commitOffsets, deleteGroup, groupOffsets, listGroups } from "../../routing/groups";
import { lookupTopic } from "../../routing/topics";
import { UPSTASH_CONSUME_MAX_RECORDS, UPSTASH_MAX_WAIT_MS } from "../../core/limits";
import { toMessage, type UpstashMessage } from "./messages";

/**
 * Upstash-style consumer instances (issue 19). An instance's position (the next offset to read per
 * partition) is durable state kept as the offsets of a shadow group in the group coordinator:
 * `__kafka-rest.<group>.-.<instance>`. Its commits (auto or explicit) go to the real group
 * `<group>`, so native consumers of the same group see them.
 */
const SHADOW_PREFIX = "__kafka-rest.";
const SEPARATOR = ".-.";
export const shadowGroup = (group: string, instance: string) => `${SHADOW_PREFIX}${group}${SEPARATOR}${instance}`;
/** Shadow groups are this surface's bookkeeping: the native group lists leave them out. */
export const isShadowGroup = (groupId: string) => groupId.startsWith(SHADOW_PREFIX);

export type Reset = "earliest" | "latest" | "none";
type Position = { topic: string; partition: number; offset: number };

/** Position per partition: the instance's own, else the group's commit, else the reset policy. */
async function positions(env: Env, group: string, instance: string, topic: string, reset: Reset): Promise<Result<{ positions: Position[] }>> {
  const t = await lookupTopic(env, topic);
  if (!t.ok) return t;
  const own = await groupOffsets(env, shadowGroup(group, instance), topic, "none");
  const committed = await groupOffsets(env, group, topic, reset);
  const bounds = reset === "none" ? undefined : await listOffsets(env, topic, reset === "earliest" ? "earliest" : "latest");
  const out: Position[] = [];
  for (let p = 0; p < t.topic.partitions; p++) {
    const mine = own.ok ? own.partitions.find((x) => x.partition === p && x.committedOffset !== null) : undefined;
    const theirs = committed.ok ? committed.partitions.find((x) => x.partition === p)?.position : null;
    const fallback = bounds?.ok ? bounds.partitions[p].offset : null;
    const offset = mine?.committedOffset ?? theirs ?? fallback;
    if (offset === null || offset === undefined) return fail("OFFSET_OUT_OF_RANGE", `no committed offset for ${topic}/${p} and Kafka-Auto-Offset-Reset is none`, "Kafka-Auto-Offset-Reset");
    out.push({ topic, partition: p, offset });
  }
  return { ok: true, positions: out };
}

/**
 * One consume: reads every partition of the topics from the instance's positions (waiting up to
 * `timeout` ms for the first record), moves the positions past what it returns and, with
 * auto-commit on, commits them to the group. `writing()` is asked just before the positions move:
 * false (the client went away, most often during the long-poll wait) means nothing moves and
 * nothing is committed (`gone`), so the client's resend reads the same records. After they moved,
 * the route keeps the answer for the resend instead (src/compat/upstash/lost-answers.ts; issue 19).
 */
export async function consume(env: Env, group: string, instance: string, topics: string[], timeout: number, reset: Reset, autoCommit: boolean, writing: () => boolean = () => true): Promise<Result<{ messages: UpstashMessage[]; gone?: true }>> {
  const all: Position[] = [];
  for (const topic of topics) {
    const p = await positions(env, group, instance, topic, reset);
    if (!p.ok) return p;
    all.push(...p.positions);
  }
  const waitMs = Math.min(Math.max(0, timeout), UPSTASH_MAX_WAIT_MS);
  const perPartition = Math.max(1, Math.floor(UPSTASH_CONSUME_MAX_RECORDS / Math.max(1, all.length)));
  const reads = await Promise.all(all.map((p) => fetchRecords(env, p.topic, p.partition, { offset: p.offset, maxRecords: perPartition, maxBytes: 1 << 20, waitMs: all.length === 1 ? waitMs : 0 })));
  const messages: UpstashMessage[] = [];
  const moved: Position[] = [];
  reads.forEach((r, i) => {
    if (!r.ok) return;
    for (const rec of JSON.parse(r.recordsJson) as FetchedRecord[]) messages.push(toMessage(all[i].topic, all[i].partition, rec));
    moved.push({ ...all[i], offset: r.nextOffset });
  });
  if (!writing()) return { ok: true, messages: [], gone: true };
  if (moved.length > 0) {
    const saved = await commitOffsets(env, shadowGroup(group, instance), { offsets: moved });
    if (!saved.ok) return saved;
    if (autoCommit) {
      // The position moved: these records are this answer's, and an error answer now would make the
      // client resend and read on past them. So a failed auto-commit is logged, as Kafka's consumer
      // logs one, and the next consume's auto-commit covers these offsets.
      const c = await commitOffsets(env, group, { offsets: moved }).catch((e: unknown) => ({ ok: false as const, error: e }));
      if (!c.ok) console.error(`kafka-rest: auto-commit of group ${group} failed; the next consume commits past it`, c.error);
    }
  }
  return { ok: true, messages };
}

/** Commit given offsets, or (none given) the instance's current positions. Idempotent: a retry commits the same offsets. */
export async function commit(env: Env, group: string, instance: string, offsets: Position[] | undefined): Promise<Result<{}>> {
  let toCommit = offsets;
  if (!toCommit) {
    const own = await groupOffsets(env, shadowGroup(group, instance), undefined, "none");
    if (!own.ok) return own.error.code === "GROUP_ID_NOT_FOUND" ? { ok: true } : own;
    toCommit = own.partitions.filter((p) => p.committedOffset !== null).map((p) => ({ topic: p.topic, partition: p.partition, offset: p.committedOffset! }));
  }
  if (toCommit.length === 0) return { ok: true };
  const r = await commitOffsets(env, group, { offsets: toCommit });
  return r.ok ? { ok: true } : r;
}

export async function committed(env: Env, group: string, wanted: Array<{ topic: string; partition: number }> | undefined): Promise<Result<{ offsets: Array<{ topic: string; partition: number; offset: number; metadata: string }> }>> {
  const r = await groupOffsets(env, group, undefined, "none");
  const known = r.ok ? r.partitions : [];
  const list = wanted ?? known.map((p) => ({ topic: p.topic, partition: p.partition }));
  return {
    ok: true,
    offsets: list.map((w) => {
      const c = known.find((k) => k.topic === w.topic && k.partition === w.partition);
      return { topic: w.topic, partition: w.partition, offset: c?.committedOffset ?? -1, metadata: c?.metadata ?? "" };
    }),
  };
}

/** Instances by group, from the shadow groups. */
export async function consumers(env: Env): Promise<Array<{ name: string; instances: Array<{ name: string; topics: Array<{ topic: string; partitions: number[] }> }> }>> {
  const groups = (await listGroups(env)).filter((g) => g.groupId.startsWith(SHADOW_PREFIX) && g.state !== "Dead");
  const byGroup = new Map<string, Array<{ name: string; topics: Array<{ topic: string; partitions: number[] }> }>>();
  for (const g of groups) {
    const rest = g.groupId.slice(SHADOW_PREFIX.length);
    const at = rest.indexOf(SEPARATOR);
    if (at < 0) continue;
    const own = await groupOffsets(env, g.groupId, undefined, "none");
    const topics = new Map<string, number[]>();
    if (own.ok) for (const p of own.partitions) if (p.committedOffset !== null) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
    const list = byGroup.get(rest.slice(0, at)) ?? [];
    list.push({ name: rest.slice(at + SEPARATOR.length), topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) });
    byGroup.set(rest.slice(0, at), list);
  }
  return [...byGroup].map(([name, instances]) => ({ name, instances }));
}

export async function deleteInstance(env: Env, group: string, instance: string): Promise<Result<{}>> {
  const r = await deleteGroup(env, shadowGroup(group, instance));
  return r.ok || r.error.code === "GROUP_ID_NOT_FOUND" ? { ok: true } : r;
}
