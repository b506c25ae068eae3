import { fail, type Result } from "../core/errors";
import { DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS } from "../core/limits";
import { getAssignor, type AssignorName } from "./assignors";
import type { GroupMeta, GroupStore } from "./store";
import { byTopic, partitionKey, splitKey, type GroupState, type GroupView, type JoinInput, type Member, type MemberAnswer } from "./types";
import { DEFAULT_SESSION_TIMEOUT_MS, DEFAULT_REBALANCE_TIMEOUT_MS, MAX_SESSION_TIMEOUT_MS, MAX_HEARTBEAT_INTERVAL_MS } from "../core/limits";

export type TopicMeta = { topicId: string; partitions: number };
/** One committed offset as saved: the topic id it was validated against, so a re-created topic starts fresh. */
export type SavedOffset = { topic: string; partition: number; topicId: string; offset: number; metadata: string | null };

/**
 * A group's members, generations and assignment, computed on the coordinator (KIP-848 style).
 * Safety rule: a partition is handed to a member only when no other member holds it, where
 * "holds" includes partitions taken away in an answer the member has not yet acknowledged.
 * The next heartbeat carrying that answer's generation is the acknowledgement.
 *
 * Membership changes are staged (`stageJoin`, `stageLeave`, `expire`, `refreshTopics`) and
 * applied by `settle`, which bumps the generation once for everything staged since the last
 * settle (issue 11.4: joins arriving while one is processed share a generation). Staging writes
 * nothing (but a static member's return, a rename complete in itself); `settle` writes every
 * changed row in one transaction, so a crash in between loses only changes never answered.
 */
export class Membership {
  private meta: GroupMeta | null;
  private readonly members = new Map<string, Member>();
  private readonly topics: Map<string, TopicMeta>;
  /** Staged changes wait for `settle`: a new generation and assignment. */
  private staged = false;
  /** Members staged out (left or expired) whose rows `settle` deletes. */
  private readonly removed = new Set<string>();
  /** Members staged in or changed by a join since the last settle: `settle` saves their rows. */
  private readonly touched = new Set<string>();

  /**
   * @param minSessionTimeoutMs the broker's group.min.session.timeout.ms (GROUP_MIN_SESSION_TIMEOUT_MS):
   *   the shortest session (and rebalance) timeout a member may ask for.
   */
  constructor(private readonly store: GroupStore, now: number, private readonly minSessionTimeoutMs = DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS) {
    this.meta = store.loadMeta();
    for (const m of store.loadMembers(now)) this.members.set(m.memberId, m);
    this.topics = store.loadSubscribedTopics();
  }

  /** True while changes wait for `settle`. */
  get pending(): boolean {
    return this.staged;
  }

  /** The group exists once someone joined or committed (until it is deleted). */
  exists(): boolean {
    return this.meta !== null;
  }

  /** The current generation (0 before the group exists). */
  generation(): number {
    return this.meta?.generation ?? 0;
  }

  member(memberId: string): Member | undefined {
    return this.members.get(memberId);
  }

  /** False once the member left, expired, or was replaced by a static member's return. */
  isCurrent(member: Member): boolean {
    return this.members.get(member.memberId) === member;
  }

  memberIds(): string[] {
    return [...this.members.keys()];
  }

  memberCount(): number {
    return this.members.size;
  }

  private ensureMeta(groupId: string): GroupMeta {
    this.meta ??= { groupId, generation: 0, assignor: null, nextSeq: 0 };
    return this.meta;
  }

  /**
   * Saves committed offsets and the group's meta in one transaction; a commit to a group nobody
   * joined yet creates it (as in Kafka). True when the group is new, so the caller registers it.
   */
  saveOffsets(groupId: string, offsets: readonly SavedOffset[], now: number): boolean {
    const isNew = this.meta === null;
    const meta = this.ensureMeta(groupId);
    this.store.transaction(() => {
      for (const o of offsets) this.store.saveOffset(o.topic, o.partition, o.topicId, o.offset, o.metadata, now);
      this.store.saveMeta(meta);
    });
    return isNew;
  }

  /** Kafka's DeleteGroups: every row of the group goes and this object forgets it. */
  deleteAll(): void {
    this.store.transaction(() => this.store.deleteAll());
    this.meta = null;
    this.topics.clear();
  }

  /** What the group reports to the catalog (src/stats/), or null before anyone joined or committed. */
  summary(): { groupId: string; state: GroupState; generation: number; members: number } | null {
    if (!this.meta) return null;
    return { groupId: this.meta.groupId, state: this.state(), generation: this.meta.generation, members: this.members.size };
  }

  /**
   * Join or rejoin: validates and stages the change; the caller settles (if `pending`) and then
   * answers the member. `fresh` must hold current metadata for every topic in `input.topics`.
   */
  stageJoin(groupId: string, input: JoinInput, fresh: Map<string, TopicMeta>, now: number): Result<{ member: Member }> {
    const timeouts = checkTimeouts(input, this.minSessionTimeoutMs);
    if (!timeouts.ok) return timeouts;
    const byInstance = input.groupInstanceId ? [...this.members.values()].find((m) => m.groupInstanceId === input.groupInstanceId) : undefined;
    let member = input.memberId ? this.members.get(input.memberId) : undefined;
    if (input.memberId && !member) return fail("UNKNOWN_MEMBER_ID", `member '${input.memberId}' is not in group '${groupId}'`, "member_id");
    if (member && byInstance && member !== byInstance) return fail("FENCED_INSTANCE_ID", `group instance '${input.groupInstanceId}' belongs to another member`, "group_instance_id");
    const assignor = this.meta?.assignor;
    if (this.members.size > 0 && input.assignor && assignor && input.assignor !== assignor) {
      return fail("INCONSISTENT_GROUP_PROTOCOL", `group '${groupId}' uses the '${assignor}' assignor, not '${input.assignor}'`, "assignor");
    }
    const meta = this.ensureMeta(groupId);
    if (this.members.size === 0) meta.assignor = input.assignor ?? "range";
    // Issue 9.10: any join that sees a new partition count (or a re-created topic) rebalances,
    // including a static member's return and a rejoin by member id, which otherwise would not.
    if (this.absorbTopics(fresh)) this.staged = true;

    if (!member && byInstance) {
      // KIP-345: a static member coming back takes over its old identity and partitions, no rebalance.
      // A rename, written at once: consistent on its own, whatever is staged around it.
      member = { ...byInstance, memberId: crypto.randomUUID() };
      this.members.delete(byInstance.memberId);
      this.members.set(member.memberId, member);
      this.store.transaction(() => {
        this.store.deleteMember(byInstance.memberId);
        this.store.saveMember(member!);
      });
    } else if (!member) {
      member = {
        memberId: crypto.randomUUID(), groupInstanceId: input.groupInstanceId ?? null, topics: [], joinSeq: meta.nextSeq++,
        sessionTimeoutMs: 0, rebalanceTimeoutMs: 0, lastSeen: now, memberGeneration: 0, target: [], assigned: [], revoking: [], revokingSince: null,
      };
      this.members.set(member.memberId, member);
      this.staged = true;
    }
    const topics = [...new Set(input.topics)].sort();
    if (topics.join("\n") !== member.topics.join("\n")) this.staged = true;
    Object.assign(member, { topics, sessionTimeoutMs: timeouts.session, rebalanceTimeoutMs: timeouts.rebalance, lastSeen: now });
    this.touched.add(member.memberId);
    return { ok: true, member };
  }

  /** A heartbeat: proves liveness, acknowledges the previous answer, and gets the current one. */
  heartbeat(memberId: string, generation: number | undefined, groupInstanceId: string | undefined, now: number): Result<MemberAnswer> {
    const member = this.members.get(memberId);
    if (!member) return fail("UNKNOWN_MEMBER_ID", `member '${memberId}' is not in the group (left, expired or never joined); join again`, "member_id");
    if (groupInstanceId !== undefined && member.groupInstanceId !== groupInstanceId) {
      return fail("FENCED_INSTANCE_ID", `member '${memberId}' is not group instance '${groupInstanceId}'`, "group_instance_id");
    }
    member.lastSeen = now;
    // Only a heartbeat naming the generation of our last answer acknowledges it (issue 9.11): one
    // with an older generation, or with none (say an empty-bodied retry after a lost answer), may
    // come from a member still working on partitions that answer took away.
    if (generation === member.memberGeneration) {
      member.revoking = [];
      member.revokingSince = null;
    }
    return this.answer(member, now);
  }

  /** Stages a leave; its partitions move at the next `settle`. */
  stageLeave(memberId: string): Result<{}> {
    if (!this.members.has(memberId)) return fail("UNKNOWN_MEMBER_ID", `member '${memberId}' is not in the group`, "member_id");
    this.remove(memberId);
    this.staged = true;
    return { ok: true };
  }

  /** Stages the removal of members whose session expired or who never released revoked partitions in time. */
  expire(now: number): string[] {
    const gone = [...this.members.values()].filter((m) => deadlineOf(m) <= now).map((m) => m.memberId);
    for (const id of gone) this.remove(id);
    if (gone.length > 0) this.staged = true;
    return gone;
  }

  nextDeadline(): number | null {
    let next: number | null = null;
    for (const m of this.members.values()) next = Math.min(next ?? Infinity, deadlineOf(m));
    return next;
  }

  /** Topic metadata changed (partitions added, topic re-created): stages a new generation. */
  refreshTopics(fresh: Map<string, TopicMeta>): void {
    if (this.absorbTopics(fresh)) this.staged = true;
  }

  /**
   * Applies everything staged: generation + 1 and a new target assignment from the group's
   * assignor, then one transaction writing only the rows that changed. False when nothing was staged.
   */
  settle(): boolean {
    const meta = this.meta;
    // No meta: the group was deleted meanwhile (only possible once it had no members), nothing to do.
    if (!this.staged || !meta) {
      this.staged = false;
      this.removed.clear();
      this.touched.clear();
      return false;
    }
    this.staged = false;
    meta.generation++;
    const assignor = getAssignor(meta.assignor ?? "range")!;
    const partitionsPerTopic: Record<string, number> = {};
    for (const t of this.subscribedTopics()) partitionsPerTopic[t] = this.topics.get(t)?.partitions ?? 0;
    const plan = assignor.assign({
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: m.topics,
        owned: m.assigned.map(splitKey),
      })),
      partitionsPerTopic,
    });
    const changed: Member[] = [];
    for (const m of this.members.values()) {
      // Sorted like `assigned`, so the two compare as lists (state() relies on it).
      const target = (plan[m.memberId] ?? []).map((tp) => partitionKey(tp.topic, tp.partition)).sort();
      // Unchanged targets (a sticky plan, a range that did not move) need no write.
      if (!sameList(target, m.target) || this.touched.has(m.memberId)) changed.push(m);
      m.target = target;
    }
    this.touched.clear();
    this.store.transaction(() => {
      for (const id of this.removed) this.store.deleteMember(id);
      this.removed.clear();
      for (const m of changed) this.store.saveMember(m);
      this.store.saveMeta(meta);
      this.store.saveSubscribedTopics(this.topics);
    });
    return true;
  }

  subscribedTopics(): string[] {
    return [...new Set([...this.members.values()].flatMap((m) => m.topics))].sort();
  }

  state(): GroupState {
    if (!this.meta) return "Dead";
    if (this.members.size === 0) return "Empty";
    const g = this.meta.generation;
    for (const m of this.members.values()) {
      if (m.memberGeneration !== g || m.revoking.length > 0 || !sameList(m.assigned, m.target)) return "Reconciling";
    }
    return "Stable";
  }

  leader(): string | null {
    let leader: Member | null = null;
    for (const m of this.members.values()) if (!leader || m.joinSeq < leader.joinSeq) leader = m;
    return leader?.memberId ?? null;
  }

  /** Partitions a member may act on now: what it was told it owns, plus revocations not yet acknowledged. */
  holds(member: Member): Set<string> {
    return new Set([...member.assigned, ...member.revoking]);
  }

  view(): GroupView {
    const meta = this.meta!;
    const members = [...this.members.values()].sort((a, b) => a.joinSeq - b.joinSeq).map((m) => ({
      memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: m.topics, memberGeneration: m.memberGeneration,
      sessionTimeoutMs: m.sessionTimeoutMs, assignment: byTopic(m.assigned), revoking: byTopic(m.revoking), lastHeartbeat: m.lastSeen,
    }));
    return { ok: true, groupId: meta.groupId, state: this.state(), generation: meta.generation, leader: this.leader(), assignor: meta.assignor, members };
  }

  /** Moves the member toward its target without ever giving it a partition another member holds. */
  answer(member: Member, now: number): MemberAnswer {
    const current = new Set(member.assigned);
    const missing = member.target.filter((k) => !current.has(k));
    // Only the missing partitions need an owner check; at Stable there are none to check.
    const heldByOthers = new Set<string>();
    if (missing.length > 0) {
      const wanted = new Set(missing);
      for (const o of this.members.values()) {
        if (o === member) continue;
        for (const k of o.assigned) if (wanted.has(k)) heldByOthers.add(k);
        for (const k of o.revoking) if (wanted.has(k)) heldByOthers.add(k);
      }
    }
    const target = new Set(member.target);
    const revokeNow = member.assigned.filter((k) => !target.has(k));
    if (revokeNow.length > 0 || missing.length > 0) {
      member.assigned = [...member.assigned.filter((k) => target.has(k)), ...missing.filter((k) => !heldByOthers.has(k))].sort();
    }
    if (revokeNow.length > 0) {
      member.revoking = [...new Set([...member.revoking, ...revokeNow])].sort();
      member.revokingSince ??= now;
    }
    member.memberGeneration = this.meta!.generation;
    // A member staged out meanwhile (a static member's return took its identity) has no row to keep.
    if (this.isCurrent(member)) this.store.saveMember(member);
    return {
      ok: true, memberId: member.memberId, generation: member.memberGeneration, leader: this.leader(), state: this.state(),
      assignment: byTopic(member.assigned), heartbeatIntervalMs: heartbeatInterval(member.sessionTimeoutMs),
      revoking: byTopic(member.revoking),
      // Issue 14: a client waits for this (not the group-wide Stable) to know its own share is final.
      reconciled: member.revoking.length === 0 && sameList(member.assigned, member.target),
    };
  }

  private remove(memberId: string): void {
    this.members.delete(memberId);
    this.removed.add(memberId);
  }

  /** Takes fresh topic metadata in; true when a partition count or an incarnation changed. */
  private absorbTopics(fresh: Map<string, TopicMeta>): boolean {
    let changed = false;
    for (const [t, info] of fresh) {
      const old = this.topics.get(t);
      if (!old || old.partitions !== info.partitions || old.topicId !== info.topicId) changed = true;
      this.topics.set(t, info);
    }
    return changed;
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function deadlineOf(m: Member): number {
  const session = m.lastSeen + m.sessionTimeoutMs;
  return m.revokingSince === null ? session : Math.min(session, m.revokingSince + m.rebalanceTimeoutMs);
}

function heartbeatInterval(sessionTimeoutMs: number): number {
  return Math.max(50, Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3)));
}

function checkTimeouts(input: JoinInput, min: number): Result<{ session: number; rebalance: number }> {
  const session = input.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  if (!Number.isInteger(session) || session < min || session > MAX_SESSION_TIMEOUT_MS) {
    return fail("INVALID_SESSION_TIMEOUT", `session_timeout_ms must be an integer from ${min} to ${MAX_SESSION_TIMEOUT_MS}`, "session_timeout_ms");
  }
  const rebalance = input.rebalanceTimeoutMs ?? Math.max(session, DEFAULT_REBALANCE_TIMEOUT_MS);
  if (!Number.isInteger(rebalance) || rebalance < min || rebalance > MAX_SESSION_TIMEOUT_MS) {
    return fail("INVALID_SESSION_TIMEOUT", `rebalance_timeout_ms must be an integer from ${min} to ${MAX_SESSION_TIMEOUT_MS}`, "rebalance_timeout_ms");
  }
  return { ok: true, session, rebalance };
}

export type { AssignorName };
