import { fail, type Result } from "../core/errors";
import { GroupCommit } from "./group-commit";
import { Membership, type TopicMeta } from "./membership";
import type { GroupStore } from "./store";
import {
  partitionKey,
  type AutoOffsetReset,
  type CommitRequest,
  type GroupView,
  type JoinInput,
  type MemberAnswer,
  type PartitionLag,
  type ResetTarget,
} from "./types";

/** Kafka's isolation.level of the consumers whose lag is asked for. */
export type Isolation = "read_uncommitted" | "read_committed";

/** What a coordinator needs from the rest of the engine (the catalog and partition objects). */
export interface GroupDeps {
  topic(name: string): Promise<TopicMeta | null>;
  /** lastStableOffset: absent from older partitions' answers (then the high watermark). */
  bounds(topicId: string, partition: number): Promise<{ logStartOffset: number; highWatermark: number; lastStableOffset?: number }>;
  /** null when no record is at or after `timestamp`. */
  offsetForTimestamp(topicId: string, partition: number, timestamp: number): Promise<number | null>;
  register(groupId: string): Promise<void>;
  unregister(groupId: string): Promise<void>;
  /** Resolves once every write this object made so far is durable (a Durable Object's `storage.sync()`). */
  durable(): Promise<void>;
  /** The broker's group.min.session.timeout.ms (default DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS). */
  minSessionTimeoutMs?: number;
}

/**
 * One consumer group: membership (see Membership) and committed offsets. Reads that need other
 * objects happen first; every check that guards a write runs again synchronously right before
 * the write, because other requests may interleave while this one awaits.
 */
export class Coordinator {
  private readonly membership: Membership;
  /** Settles staged membership changes; changes staged while one settle is being made durable share the next. */
  private readonly rebalances: GroupCommit;

  constructor(private readonly store: GroupStore, private readonly deps: GroupDeps, now = Date.now()) {
    this.membership = new Membership(store, now, deps.minSessionTimeoutMs);
    this.rebalances = new GroupCommit(() => this.membership.settle(), () => this.deps.durable());
  }

  async join(groupId: string, input: JoinInput, now: () => number): Promise<Result<MemberAnswer>> {
    const fresh = await this.topicMetas(input.topics);
    if (!fresh.ok) return fresh;
    const isNew = !this.membership.exists();
    const staged = this.membership.stageJoin(groupId, input, fresh.topics, now());
    if (!staged.ok) return staged;
    const { member } = staged;
    const r = await this.settled((): Result<MemberAnswer> => {
      if (!this.membership.isCurrent(member)) {
        // Replaced while its generation was being settled: a join with the same group instance id came in.
        return fail("FENCED_INSTANCE_ID", `group instance '${member.groupInstanceId}' was taken over by a newer join`, "group_instance_id");
      }
      return this.membership.answer(member, now());
    });
    if (r.ok && isNew) await this.deps.register(groupId);
    return r;
  }

  async heartbeat(memberId: string, generation: number | undefined, groupInstanceId: string | undefined, now: () => number): Promise<Result<MemberAnswer>> {
    if (!this.membership.member(memberId)) return this.membership.heartbeat(memberId, generation, groupInstanceId, now());
    // Like a Kafka client's metadata refresh: new partitions or a re-created topic start a new generation.
    const fresh = await this.topicMetas(this.membership.subscribedTopics());
    if (fresh.ok) this.membership.refreshTopics(fresh.topics);
    return this.settled(() => this.membership.heartbeat(memberId, generation, groupInstanceId, now()));
  }

  async leave(memberId: string): Promise<Result<{}>> {
    const r = this.membership.stageLeave(memberId);
    return r.ok ? this.settled(() => r) : r;
  }

  /** Removes members past their session or rebalance deadline (the alarm). */
  async expire(now: number): Promise<string[]> {
    const gone = this.membership.expire(now);
    return this.settled(() => gone);
  }

  /**
   * Runs `then` once whatever is staged now has been settled: at once when nothing is staged,
   * else right after the settle that includes it, resolving once that settle is durable.
   */
  private settled<T>(then: () => T): Promise<T> {
    return this.membership.pending ? this.rebalances.request(then) : Promise.resolve(then());
  }

  /** Ids of the group's members now (a member's owner record outlives it only until the next prune). */
  memberIds(): string[] {
    return this.membership.memberIds();
  }

  /** What the group reports to the catalog, or null while it does not exist. */
  summary() {
    return this.membership.summary();
  }

  /** The earliest session or rebalance deadline: when the alarm must run `expire`. */
  nextDeadline(): number | null {
    return this.membership.nextDeadline();
  }

  describe(): Result<GroupView> {
    return this.membership.exists() ? this.membership.view() : fail("GROUP_ID_NOT_FOUND", "group not found", "group");
  }

  async commit(groupId: string, input: CommitRequest, now: number): Promise<Result<{ committed: number }>> {
    const checked = await this.checkOffsets(input.offsets);
    if (!checked.ok) return checked;
    const fenced = this.fence(input);
    if (!fenced.ok) return fenced;
    const rows = input.offsets.map((o) => ({ ...o, topicId: checked.topicIds.get(o.topic)!, metadata: o.metadata ?? null }));
    const isNew = this.membership.saveOffsets(groupId, rows, now);
    if (isNew) await this.deps.register(groupId);
    return { ok: true, committed: input.offsets.length };
  }

  /**
   * TxnOffsetCommit (issue 12, sendOffsetsToTransaction): the member and generation are checked
   * now, as Kafka does; the offsets are committed only if the transaction commits (commitTxn).
   * Answers the topic ids the offsets resolve to, so the commit saves what was validated.
   */
  async validateTxnOffsets(input: CommitRequest): Promise<Result<{ topicIds: Record<string, string> }>> {
    const checked = await this.checkOffsets(input.offsets);
    if (!checked.ok) return checked;
    const fenced = this.fence(input);
    if (!fenced.ok) return fenced;
    return { ok: true, topicIds: Object.fromEntries(checked.topicIds) };
  }

  /** The transaction's commit marker for this group: saves its offsets. Idempotent (same offsets again). */
  async commitTxn(groupId: string, offsets: CommitRequest["offsets"], topicIds: Record<string, string>, now: number): Promise<Result<{ committed: number }>> {
    const isNew = this.membership.saveOffsets(groupId, offsets.map((o) => ({ ...o, topicId: topicIds[o.topic], metadata: o.metadata ?? null })), now);
    if (isNew) await this.deps.register(groupId);
    return { ok: true, committed: offsets.length };
  }

  /** Committed offsets, log bounds, lag and start position for each partition of the given (or known) topics. */
  /**
   * `isolation` (issue 12): the consumers' isolation.level. Kafka's read_committed consumer can
   * read only up to the last stable offset (its fetch lag, records-lag, is LSO − position), so its
   * lag here is LSO − committed; read_uncommitted (the default) is high watermark − committed.
   */
  async offsets(topic: string | undefined, reset: AutoOffsetReset, isolation: Isolation = "read_uncommitted"): Promise<Result<{ partitions: PartitionLag[] }>> {
    if (!this.membership.exists()) return fail("GROUP_ID_NOT_FOUND", "group not found", "group");
    const committed = this.store.offsets(topic);
    const topics = topic ? [topic] : [...new Set([...this.membership.subscribedTopics(), ...committed.map((c) => c.topic)])].sort();
    const out: PartitionLag[] = [];
    for (const t of topics) {
      const meta = await this.deps.topic(t);
      if (!meta) {
        if (topic) return fail("UNKNOWN_TOPIC_OR_PARTITION", `topic '${t}' not found`, "topic");
        continue;
      }
      const bounds = await Promise.all(Array.from({ length: meta.partitions }, (_, p) => this.deps.bounds(meta.topicId, p)));
      bounds.forEach((b, p) => {
        const c = committed.find((x) => x.topic === t && x.partition === p && x.topic_id === meta.topicId);
        const offset = c?.offset ?? null;
        const lastStable = b.lastStableOffset ?? b.highWatermark;
        const end = isolation === "read_committed" ? lastStable : b.highWatermark;
        const inRange = offset !== null && offset >= b.logStartOffset && offset <= b.highWatermark;
        const position = inRange ? offset : reset === "earliest" ? b.logStartOffset : reset === "latest" ? b.highWatermark : null;
        out.push({
          topic: t, partition: p, committedOffset: offset, metadata: c?.metadata ?? null, logStartOffset: b.logStartOffset,
          highWatermark: b.highWatermark, lastStableOffset: lastStable, lag: offset === null ? null : Math.max(0, end - offset), position,
        });
      });
    }
    return { ok: true, partitions: out };
  }

  /** kafka-consumer-groups --reset-offsets: only while the group has no members. */
  async resetOffsets(groupId: string, topic: string, partitions: number[] | undefined, to: ResetTarget, now: number): Promise<Result<{ offsets: Array<{ topic: string; partition: number; offset: number }> }>> {
    if (this.membership.memberCount() > 0) return fail("NON_EMPTY_GROUP", `group '${groupId}' has active members; stop them before resetting offsets`);
    const meta = await this.deps.topic(topic);
    if (!meta) return fail("UNKNOWN_TOPIC_OR_PARTITION", `topic '${topic}' not found`, "topic");
    const targets = partitions ?? Array.from({ length: meta.partitions }, (_, p) => p);
    const bad = targets.find((p) => p >= meta.partitions);
    if (bad !== undefined) return fail("UNKNOWN_TOPIC_OR_PARTITION", `topic '${topic}' has no partition ${bad}`, "partitions");
    const offsets: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const p of targets) {
      const b = await this.deps.bounds(meta.topicId, p);
      let offset: number;
      if (to === "earliest") offset = b.logStartOffset;
      else if (to === "latest") offset = b.highWatermark;
      // No record that late: the log end, as kafka-consumer-groups --to-datetime does.
      else if ("timestamp" in to) offset = (await this.deps.offsetForTimestamp(meta.topicId, p, to.timestamp)) ?? b.highWatermark;
      else if (to.offset < b.logStartOffset || to.offset > b.highWatermark) {
        return fail("OFFSET_OUT_OF_RANGE", `offset ${to.offset} is outside [${b.logStartOffset}, ${b.highWatermark}] of ${topic}-${p}`, "to.offset", { log_start_offset: b.logStartOffset, high_watermark: b.highWatermark });
      } else offset = to.offset;
      offsets.push({ topic, partition: p, offset });
    }
    if (this.membership.memberCount() > 0) return fail("NON_EMPTY_GROUP", `group '${groupId}' gained members while resetting; nothing changed`);
    const isNew = this.membership.saveOffsets(groupId, offsets.map((o) => ({ ...o, topicId: meta.topicId, metadata: null })), now);
    if (isNew) await this.deps.register(groupId);
    return { ok: true, offsets };
  }

  async deleteGroup(groupId: string): Promise<Result<{}>> {
    if (!this.membership.exists()) return fail("GROUP_ID_NOT_FOUND", `group '${groupId}' not found`, "group");
    if (this.membership.memberCount() > 0) return fail("NON_EMPTY_GROUP", `group '${groupId}' has active members`);
    this.membership.deleteAll();
    await this.deps.unregister(groupId);
    return { ok: true };
  }

  /** Kafka's commit fencing: unknown member, rebalance in progress, stale generation, not the owner. */
  private fence(input: CommitRequest): Result<{}> {
    const { membership } = this;
    if (input.memberId === undefined) {
      if (membership.memberCount() === 0) return { ok: true };
      return fail("UNKNOWN_MEMBER_ID", "the group has active members: commits need member_id and generation", "member_id");
    }
    const member = membership.member(input.memberId);
    if (!member) return fail("UNKNOWN_MEMBER_ID", `member '${input.memberId}' is not in the group`, "member_id");
    const generation = membership.generation();
    if (input.generation !== generation) {
      // The member has not yet heard of the current generation: it must heartbeat first.
      if (member.memberGeneration < generation && input.generation === member.memberGeneration) {
        return fail("REBALANCE_IN_PROGRESS", `the group moved to generation ${generation}; heartbeat, then commit again`, "generation");
      }
      return fail("ILLEGAL_GENERATION", `generation ${input.generation} is stale or unknown; the group is at generation ${generation}`, "generation");
    }
    const holds = membership.holds(member);
    const foreign = input.offsets.find((o) => !holds.has(partitionKey(o.topic, o.partition)));
    if (foreign) {
      return fail("PARTITION_NOT_ASSIGNED", `member '${member.memberId}' does not own ${foreign.topic}-${foreign.partition}`, "offsets");
    }
    return { ok: true };
  }

  private async checkOffsets(offsets: CommitRequest["offsets"]): Promise<Result<{ topicIds: Map<string, string> }>> {
    const topicIds = new Map<string, string>();
    const metas = await this.topicMetas(offsets.map((o) => o.topic));
    if (!metas.ok) return metas;
    const bounds = await Promise.all(
      offsets.map((o, i) => {
        const meta = metas.topics.get(o.topic)!;
        if (o.partition >= meta.partitions) return null;
        topicIds.set(o.topic, meta.topicId);
        return this.deps.bounds(meta.topicId, o.partition).then((b) => ({ b, i }));
      }),
    );
    for (const [i, o] of offsets.entries()) {
      const found = bounds[i];
      if (!found) return fail("UNKNOWN_TOPIC_OR_PARTITION", `topic '${o.topic}' has no partition ${o.partition}`, `offsets[${i}].partition`);
      if (o.offset > found.b.highWatermark) {
        return fail("OFFSET_OUT_OF_RANGE", `offset ${o.offset} is beyond the high watermark ${found.b.highWatermark} of ${o.topic}-${o.partition}`, `offsets[${i}].offset`, { high_watermark: found.b.highWatermark });
      }
    }
    return { ok: true, topicIds };
  }

  private async topicMetas(names: string[]): Promise<Result<{ topics: Map<string, TopicMeta> }>> {
    const unique = [...new Set(names)];
    const metas = await Promise.all(unique.map((t) => this.deps.topic(t)));
    const topics = new Map<string, TopicMeta>();
    for (const [i, t] of unique.entries()) {
      const meta = metas[i];
      if (!meta) return fail("UNKNOWN_TOPIC_OR_PARTITION", `topic '${t}' not found`, "topics");
      topics.set(t, meta);
    }
    return { ok: true, topics };
  }
}
