import { fail, type Result } from "../core/errors";
import { commitOffsets, groupOffsets, heartbeat, joinGroup, leaveGroup } from "../routing/groups";
import type { MemberAnswer } from "../groups/types";
import type { Env } from "../env";
import type { Hub } from "./hub";
import type { GroupMember, MemberSubscription } from "./ws-connection";

/**
 * WebSocket subscriptions that are consumer-group members (issue 15): a browser joins a group
 * through the hub, which heartbeats for it (an alarm; the client only keeps its socket), turns
 * rebalances into `assignment` messages, and commits what the client acks. Reuses the group
 * coordinator as every other consumer does (src/routing/groups.ts): fenced commits, assignors, lag.
 */
export class GroupSubscriptions {
  constructor(
    private readonly env: Env,
    private readonly hub: Hub,
    private readonly send: (sub: MemberSubscription, text: string) => void,
    private readonly persist: (sub: MemberSubscription) => void,
    private readonly schedule: (at: number) => Promise<void>,
  ) {}

  /**
   * Joins for one topic. `hint`: positions the client already received (an SSE reconnect's
   * Last-Event-ID); each wins over the group's commit when it is further, or when there is none.
   */
  async join(groupId: string, topic: string, reset: "earliest" | "latest", sessionTimeoutMs?: number, hint?: Map<number, number>): Promise<Result<{ member: GroupMember; positions: Map<number, number> }>> {
    const j = await joinGroup(this.env, groupId, { topics: [topic], ...(sessionTimeoutMs !== undefined && { sessionTimeoutMs }) });
    if (!j.ok) return j;
    const member: GroupMember = { groupId, memberId: j.memberId, generation: j.generation, heartbeatIntervalMs: j.heartbeatIntervalMs, nextHeartbeat: Date.now() + j.heartbeatIntervalMs };
    const positions = await this.startPositions(groupId, topic, assigned(j, topic), reset, hint);
    return positions.ok ? { ok: true, member, positions: positions.positions } : positions;
  }

  /** Committed offsets of the assigned partitions; `reset` where the group has none. */
  private async startPositions(groupId: string, topic: string, partitions: number[], reset: "earliest" | "latest", hint?: Map<number, number>): Promise<Result<{ positions: Map<number, number> }>> {
    const positions = new Map<number, number>();
    if (partitions.length === 0) return { ok: true, positions };
    const o = await groupOffsets(this.env, groupId, topic, reset);
    if (!o.ok) return o;
    for (const p of partitions) {
      const lag = o.partitions.find((x) => x.partition === p);
      const h = hint?.get(p);
      const committed = lag?.committedOffset ?? null;
      const inLog = h !== undefined && lag !== undefined && h >= lag.logStartOffset && h <= lag.highWatermark;
      if (inLog && (committed === null || h > committed)) positions.set(p, h);
      else positions.set(p, lag?.position ?? lag?.highWatermark ?? 0);
    }
    return { ok: true, positions };
  }

  commit(sub: MemberSubscription, partition: number, offset: number): Promise<Result<{}>> {
    const g = sub.group!;
    if (!sub.positions.has(partition)) return Promise.resolve(fail("PARTITION_NOT_ASSIGNED", `partition ${partition} is not assigned to this subscription`, "partition"));
    return commitOffsets(this.env, g.groupId, { memberId: g.memberId, generation: g.generation, offsets: [{ topic: sub.topic, partition, offset }] }) as Promise<Result<{}>>;
  }

  /** Commits every assigned partition's delivered position (SSE's auto-commit). */
  async commitPositions(sub: MemberSubscription): Promise<void> {
    const g = sub.group;
    if (!g || sub.positions.size === 0) return;
    const offsets = [...sub.positions].map(([partition, offset]) => ({ topic: sub.topic, partition, offset }));
    await commitOffsets(this.env, g.groupId, { memberId: g.memberId, generation: g.generation, offsets }).catch(() => undefined);
  }

  async leave(sub: MemberSubscription): Promise<void> {
    if (sub.autoCommit) await this.commitPositions(sub);
    await leaveGroup(this.env, sub.group!.groupId, sub.group!.memberId).catch(() => undefined);
  }

  /** The earliest heartbeat due among restored group subscriptions, or null. */
  restore(subs: MemberSubscription[]): number | null {
    const due = subs.filter((s) => s.group).map((s) => s.group!.nextHeartbeat);
    return due.length > 0 ? Math.min(...due) : null;
  }

  /** Heartbeats every due member; applies new assignments. Returns when the next heartbeat is due. */
  async heartbeat(subs: MemberSubscription[], now: number): Promise<number | null> {
    let next: number | null = null;
    for (const sub of subs) {
      const g = sub.group;
      if (!g) continue;
      if (g.nextHeartbeat <= now) await this.beat(sub, g, now);
      next = next === null ? g.nextHeartbeat : Math.min(next, g.nextHeartbeat);
    }
    return next;
  }

  private async beat(sub: MemberSubscription, g: GroupMember, now: number): Promise<void> {
    if (sub.autoCommit) await this.commitPositions(sub);
    let a = await heartbeat(this.env, g.groupId, g.memberId, g.generation);
    if (!a.ok && (a.error.code === "UNKNOWN_MEMBER_ID" || a.error.code === "ILLEGAL_GENERATION")) {
      // Expired or fenced (e.g. the hub was away longer than the session): join again as a new member.
      a = await joinGroup(this.env, g.groupId, { topics: [sub.topic] });
      if (a.ok) g.memberId = a.memberId;
    }
    if (!a.ok) {
      g.nextHeartbeat = now + g.heartbeatIntervalMs;
      if (a.error.code !== "REBALANCE_IN_PROGRESS") this.send(sub, JSON.stringify({ type: "error", id: sub.id, error: a.error }));
      this.persist(sub);
      return;
    }
    const mine = assigned(a, sub.topic);
    const changed = a.generation !== g.generation || mine.length !== sub.positions.size || mine.some((p) => !sub.positions.has(p));
    g.generation = a.generation;
    g.heartbeatIntervalMs = a.heartbeatIntervalMs;
    // Right after a change heartbeat again soon: a cooperative rebalance settles over a few heartbeats.
    g.nextHeartbeat = now + (changed ? Math.min(a.heartbeatIntervalMs, 500) : a.heartbeatIntervalMs);
    if (changed) await this.reassign(sub, mine);
    this.persist(sub);
  }

  private async reassign(sub: MemberSubscription, mine: number[]): Promise<void> {
    const revoked = [...sub.positions.keys()].filter((p) => !mine.includes(p));
    await this.hub.remove(sub, revoked);
    for (const p of revoked) sub.positions.delete(p);
    const added = mine.filter((p) => !sub.positions.has(p));
    const start = await this.startPositions(sub.group!.groupId, sub.topic, added, sub.reset);
    if (start.ok) for (const [p, o] of start.positions) sub.positions.set(p, o);
    this.send(sub, JSON.stringify({ type: "assignment", id: sub.id, generation: sub.group!.generation, partitions: [...sub.positions.keys()].sort((x, y) => x - y), positions: Object.fromEntries(sub.positions) }));
    await this.hub.add(sub);
  }
}

function assigned(a: MemberAnswer, topic: string): number[] {
  return a.assignment.find((t) => t.topic === topic)?.partitions ?? [];
}
