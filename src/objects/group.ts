import { DurableObject } from "cloudflare:workers";
import { groupMigrations } from "../../migrations/group";
import { groupMinSessionTimeoutMs } from "../core/config";
import { unwrap, type Result } from "../core/errors";
import { Coordinator, type GroupDeps, type Isolation } from "../groups/coordinator";
import { GroupStore } from "../groups/store";
import { MemberOwners, type Actor } from "../groups/owners";
import type { AutoOffsetReset, CommitRequest, JoinInput, ResetTarget } from "../groups/types";
import { durableObjectStore, migrate } from "../storage";
import { SummaryReporter } from "../stats/reporter";
import { GROUP_SUMMARY_MAX_OFFSETS } from "../core/limits";
import type { GroupSummary } from "../stats/summaries";
import { catalogStub, partitionStub } from "./names";

/**
 * One consumer group's coordinator, named by group id. Thin: storage, RPC, and the alarm that
 * expires members whose session ran out, so expiry never waits for some request to arrive.
 */
export class GroupCoordinator extends DurableObject {
  private coordinator!: Coordinator;
  private store!: GroupStore;
  private owners!: MemberOwners;
  /** Group state changes are rare (membership changes), so each is reported at once (interval 0). */
  private readonly reporter = new SummaryReporter(0);
  private reported: string | null = null;
  /** The alarm as last set here (read once at start), so a heartbeat needs no storage call to check it. */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    const deps: GroupDeps = {
      topic: async (name) => {
        // The catalog directly: this object is not a Worker isolate with a topic cache to keep warm.
        const r = await catalogStub(env.CATALOG).get(name);
        return r.ok ? { topicId: r.topic.topicId, partitions: r.topic.partitions } : null;
      },
      bounds: async (topicId, p) => unwrap(await partitionStub(env.PARTITIONS, topicId, p).bounds()),
      offsetForTimestamp: async (topicId, p, timestamp) => unwrap(await partitionStub(env.PARTITIONS, topicId, p).listOffset({ timestamp })).offset,
      register: async (groupId) => catalogStub(env.CATALOG).registerGroup(groupId),
      unregister: async (groupId) => catalogStub(env.CATALOG).unregisterGroup(groupId),
      durable: () => ctx.storage.sync(),
      minSessionTimeoutMs: groupMinSessionTimeoutMs(env.GROUP_MIN_SESSION_TIMEOUT_MS),
    };
    ctx.blockConcurrencyWhile(async () => {
      const storage = durableObjectStore(ctx);
      migrate(storage.sql, groupMigrations);
      this.store = new GroupStore(storage);
      this.coordinator = new Coordinator(this.store, deps);
      this.owners = new MemberOwners(storage);
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // `actor` (issue 16): who calls; member ids are bound to the principal that joined (src/groups/owners.ts).
  async join(groupId: string, input: JoinInput, actor?: Actor) {
    const owned = this.owners.check(input.memberId, actor);
    if (!owned.ok) return owned;
    const r = await this.scheduled(this.coordinator.join(groupId, input, Date.now));
    if (r.ok) {
      this.owners.prune(this.coordinator.memberIds());
      this.owners.record(r.memberId, actor);
    }
    return r;
  }
  heartbeat(memberId: string, generation?: number, groupInstanceId?: string, actor?: Actor) {
    const owned = this.owners.check(memberId, actor);
    if (!owned.ok) return owned;
    return this.scheduled(this.coordinator.heartbeat(memberId, generation, groupInstanceId, Date.now));
  }
  async leave(memberId: string, actor?: Actor) {
    const owned = this.owners.check(memberId, actor);
    if (!owned.ok) return owned;
    const r = await this.scheduled(this.coordinator.leave(memberId));
    if (r.ok) this.owners.forget(memberId);
    return r;
  }
  describe() {
    return this.coordinator.describe();
  }
  commit(groupId: string, input: CommitRequest, actor?: Actor) {
    const owned = this.owners.check(input.memberId, actor);
    if (!owned.ok) return owned;
    return this.reporting(this.coordinator.commit(groupId, input, Date.now()));
  }
  validateTxnOffsets(input: CommitRequest) {
    return this.coordinator.validateTxnOffsets(input);
  }
  commitTxn(groupId: string, offsets: CommitRequest["offsets"], topicIds: Record<string, string>) {
    return this.reporting(this.coordinator.commitTxn(groupId, offsets, topicIds, Date.now()));
  }
  offsets(topic: string | undefined, reset: AutoOffsetReset, isolation?: Isolation) {
    return this.coordinator.offsets(topic, reset, isolation);
  }
  resetOffsets(groupId: string, topic: string, partitions: number[] | undefined, to: ResetTarget) {
    return this.reporting(this.coordinator.resetOffsets(groupId, topic, partitions, to, Date.now()));
  }
  async deleteGroup(groupId: string) {
    const r = await this.coordinator.deleteGroup(groupId);
    if (r.ok) this.reported = null; // unregistering dropped the catalog's row
    return r;
  }

  /** At-least-once: expiring is idempotent (an early or repeated alarm finds nobody past deadline). */
  override async alarm(): Promise<void> {
    this.alarmAt = null; // it fired: nothing is set until schedule() sets the next one
    await this.coordinator.expire(Date.now());
    await this.report();
    await this.schedule();
  }

  private async scheduled<T>(work: Promise<Result<T>>): Promise<Result<T>> {
    const result = await this.reporting(work);
    await this.schedule();
    return result;
  }

  private async reporting<T>(work: Promise<T>): Promise<T> {
    const result = await work;
    await this.report();
    return result;
  }

  /**
   * Tells the catalog this group's state when it changed, so GET /v1/groups reads one place
   * (src/stats/). Awaited, so a list right after a join already shows it; a failed report is
   * retried by the next operation or alarm (the last reported summary stays unchanged).
   */
  private async report(): Promise<void> {
    const summary = this.coordinator.summary();
    if (!summary) return;
    const { groupId, ...rest } = summary;
    // Committed offsets ride along so /metrics can show lag per partition without asking the group.
    const offsets = this.store.offsets().slice(0, GROUP_SUMMARY_MAX_OFFSETS).map((o): [string, number, number] => [o.topic, o.partition, o.offset]);
    const body: GroupSummary = { ...rest, offsets };
    const json = JSON.stringify(body);
    if (json === this.reported) return;
    await this.reporter.changed(Date.now(), async (version) => {
      await catalogStub(this.env.CATALOG).report({ kind: "group", id: groupId, owner: groupId, version, body });
      this.reported = json;
    });
  }

  /**
   * Keeps an alarm at or before the earliest deadline. A heartbeat only moves deadlines later, so
   * it leaves the alarm alone: the alarm may then fire early, finds nobody to expire, and sets the
   * next one (at most one early alarm per session timeout, instead of a storage call per heartbeat).
   */
  private async schedule(): Promise<void> {
    const next = this.coordinator.nextDeadline();
    if (next === null) {
      if (this.alarmAt !== null) await this.ctx.storage.deleteAlarm();
      this.alarmAt = null;
    } else if (this.alarmAt === null || next < this.alarmAt) {
      this.alarmAt = next;
      await this.ctx.storage.setAlarm(next);
    }
  }
}
