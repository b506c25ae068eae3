import { DurableObject } from "cloudflare:workers";
import { partitionMigrations } from "../../migrations/partition";
import { fail, type Result } from "../core/errors";
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS, HOT_BURST_MAX_BYTES, HOT_BURST_WAIT_MS, STATE_PAGE_MAX_BYTES } from "../core/limits";
import { durableObjectStore, migrate } from "../storage";
import { isCompacted, PartitionLog } from "../log/partition-log";
import type { KeyViewRow } from "../log/key-view";
import type { CompactOk } from "../log/types";
import type { AppendOk, AppendOptions, AppendProducer, AppendRecord, FetchOk, FetchRequest, ListOffsetOk, OffsetSpec, PartitionInit, PartitionOffsets } from "../log/types";
import { Waiters } from "../log/waiters";
import { SUMMARY_REPORT_INTERVAL_MS } from "../core/limits";
import { SummaryReporter } from "../stats/reporter";
import { partitionTiers, readTiers } from "../tiering/tiers";
import type { TierUpkeep } from "../tiering/upkeep";
import type { WarmTier } from "../tiering/warm-tier";
import { coldSinkFor } from "./cold-tier";
import { catalogStub, realtimeHubStub } from "./names";
import { ROLL_STEPS_PER_ALARM } from "../core/limits";
import { sqlWatcherStore, WakeNotifier } from "../realtime/notifier";

/**
 * One topic partition. Named `${topicId}/${partition}` so a re-created topic (new topicId) gets
 * fresh objects. Thin on purpose: storage and RPC here, the log's rules in PartitionLog (hot)
 * and the tiers (src/tiering/tiers.ts: warm segments in R2, cold hand-off, retention, R2 deletes).
 */
export class PartitionDO extends DurableObject {
  private log!: PartitionLog;
  private warm!: WarmTier;
  private upkeep!: TierUpkeep;
  private readonly waiters = new Waiters();
  private readonly reporter = new SummaryReporter(SUMMARY_REPORT_INTERVAL_MS);
  /** Appends held back by a burst (see roomInHotTier), woken after every roll step. */
  private readonly rollProgress = new Waiters();
  private alarmAt: number | null = null;
  /** Realtime hubs to wake after an append (issue 15). */
  private notifier!: WakeNotifier;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const storage = durableObjectStore(ctx);
      migrate(storage.sql, partitionMigrations);
      this.log = new PartitionLog(storage);
      this.notifier = new WakeNotifier(sqlWatcherStore(ctx.storage.sql), (hub) => this.wakeHub(hub));
      ({ warm: this.warm, upkeep: this.upkeep } = partitionTiers(this.log, storage, env.SEGMENTS, coldSinkFor(env)));
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  async init(init: PartitionInit): Promise<Result<{ status: string }>> {
    const r = this.log.init(init);
    this.summaryChanged(Date.now());
    await this.scheduleAlarm(true); // a config change may move deadlines
    return r;
  }

  /** First use by a router (topics are created without initialising their partitions): see PartitionLog.open. */
  async open(init: PartitionInit): Promise<Result<{ status: string }>> {
    const r = this.log.open(init);
    await this.scheduleAlarm(true);
    return r;
  }

  /**
   * Topic delete. The log refuses work from here on and its segments become R2 garbage in the
   * same transaction; then in-flight tiering is awaited and every object deleted. Idempotent, so
   * the catalog can re-drive it; once it returns, nothing of this incarnation is written to R2.
   */
  async destroy(identity: { topicId: string; partition: number }): Promise<Result<{}>> {
    const result = this.log.destroy(identity, () => this.upkeep.garbageAllSegments(Date.now()));
    this.waiters.wakeAll();
    this.rollProgress.wakeAll();
    await this.upkeep.destroy();
    return result;
  }

  async append(records: AppendRecord[], producer?: AppendProducer, options?: AppendOptions): Promise<Result<AppendOk>> {
    if (!(await this.roomInHotTier())) {
      return fail("THROTTLING_QUOTA_EXCEEDED", `the hot tier is more than ${HOT_BURST_MAX_BYTES} bytes past hot.max.records and the roll to warm segments has not caught up; retry`);
    }
    const hotBytes = this.log.hotStats().bytes;
    const result = this.log.append(records, Date.now(), producer, options);
    if (result.ok && !result.duplicate) {
      this.upkeep.appended(this.log.hotStats().bytes - hotBytes);
      this.waiters.wakeAll();
      if (this.notifier.size > 0) this.ctx.waitUntil(this.notifier.notify()); // after the answer, never holding the append
      this.summaryChanged(Date.now());
      await this.scheduleAlarm(false);
    }
    return result;
  }

  /**
   * Waits (up to HOT_BURST_WAIT_MS) while a burst holds the hot tier more than HOT_BURST_MAX_BYTES
   * past its bound; every roll step wakes the waiters. False when the roll did not make room.
   */
  private async roomInHotTier(): Promise<boolean> {
    const deadline = Date.now() + HOT_BURST_WAIT_MS;
    while (this.log.isActive && this.log.burstBytes() > HOT_BURST_MAX_BYTES) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.scheduleAlarm(false);
      await this.rollProgress.wait(left);
    }
    return true;
  }

  /** A realtime hub starts (`on`) or stops reading this partition: it is woken after every append while it watches. */
  watch(hub: string, on: boolean): void {
    this.notifier.watch(hub, on);
  }

  private async wakeHub(hub: string): Promise<boolean> {
    const id = this.log.identity;
    if (!id) return false;
    return realtimeHubStub(this.env.REALTIME, hub).wake(id.topicId, id.partition);
  }

  /** Long-poll: when caught up, park until an append wakes us or `waitMs` runs out, then read once more. */
  async read(req: FetchRequest): Promise<Result<FetchOk>> {
    const { answer, hot } = await readTiers(this.log, this.warm, req);
    if (!hot || !answer.ok || answer.count > 0 || req.waitMs <= 0 || !this.log.isCaughtUp(hot.offset, req.isolation)) return answer;
    await this.waiters.wait(req.waitMs);
    return this.log.read(hot);
  }

  /**
   * The transaction coordinator's commit or abort marker (issue 12). Idempotent: the coordinator
   * re-drives markers after a crash. Wakes read_committed readers parked at the last stable offset.
   */
  async markTxn(producerId: number, epoch: number, commit: boolean, txn?: number): Promise<Result<{ records: number }>> {
    const r = this.log.markTxn(producerId, epoch, commit, txn);
    this.waiters.wakeAll();
    await this.scheduleAlarm(false); // rows held hot by the open transaction may roll now
    return r;
  }

  async listOffset(spec: OffsetSpec): Promise<Result<ListOffsetOk>> {
    if (typeof spec === "object" && this.log.isActive) {
      const warm = await this.warm.offsetForTimestamp(spec.timestamp);
      if (warm) return { ok: true, ...warm };
    }
    return this.log.listOffset(spec);
  }

  bounds() {
    return this.log.bounds();
  }

  offsets(): Result<PartitionOffsets> {
    const hot = this.log.offsets();
    if (!hot.ok) return hot;
    const warm = this.warm.totals();
    return { ...hot, records: hot.records + warm.records, bytes: hot.bytes + warm.recordBytes, hot: { records: hot.records, bytes: hot.bytes }, warm: { records: warm.records, bytes: warm.bytes, segments: warm.segments } };
  }

  /**
   * On-demand compaction (issue 13): the whole log, hot records included, once the cold sink has
   * every segment; returns when done, with what it removed.
   */
  async compact(): Promise<Result<CompactOk>> {
    const config = this.log.config;
    const bounds = this.log.bounds();
    if (!bounds.ok) return bounds;
    if (!config || !this.log.isActive) return { ok: true, records: 0, bytes: 0, segmentsRewritten: 0, segmentsDropped: 0 }; // never written to
    if (!isCompacted(config)) return notCompacted(this.log.identity?.topic ?? "");
    const stats = await this.upkeep.compactNow(Date.now());
    this.summaryChanged(Date.now());
    await this.scheduleAlarm(true);
    return { ok: true, ...stats };
  }

  /** The key view's entry for `key` (issue 13); KEY_NOT_FOUND when absent or deleted. */
  getKey(key: string | Uint8Array): Result<{ record: KeyViewRow | null }> {
    const config = this.log.config;
    const bounds = this.log.bounds();
    if (!bounds.ok) return bounds;
    if (config && !isCompacted(config)) return notCompacted(this.log.identity?.topic ?? "");
    const row = config ? this.log.keys.latest(key) : null;
    return { ok: true, record: row && row.value !== null ? row : null };
  }

  /** One page of live keys after `after`, in key order (issue 13). */
  keyPage(after: string | Uint8Array | null, limit: number): Result<{ rows: KeyViewRow[]; more: boolean }> {
    const config = this.log.config;
    const bounds = this.log.bounds();
    if (!bounds.ok) return bounds;
    if (config && !isCompacted(config)) return notCompacted(this.log.identity?.topic ?? "");
    if (!config) return { ok: true, rows: [], more: false };
    return { ok: true, ...this.log.keys.page(after, limit, STATE_PAGE_MAX_BYTES) };
  }

  /**
   * When this partition was last read through a surface whose expiry counts reads (Durable
   * Streams' sliding Stream-TTL, issue 19): `touch` records now; answers the time before, if any.
   */
  async accessed(touch: boolean): Promise<number | null> {
    const before = (await this.ctx.storage.get<number>("accessed_at")) ?? null;
    if (touch) await this.ctx.storage.put("accessed_at", Date.now());
    return before;
  }

  /** At-least-once: every step below is idempotent (see TierUpkeep), so a repeated run only repeats harmless work. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    try {
      await this.upkeep.tend(now, ROLL_STEPS_PER_ALARM, () => this.rollProgress.wakeAll());
      this.log.producers.expire(now, DEFAULT_PRODUCER_ID_EXPIRATION_MS);
    } finally {
      // Rolls and retention move records between tiers: report that (or an owed report) too.
      await this.reporter.changed(now, (v) => this.sendSummary(v));
    }
    await this.scheduleAlarm(true);
  }

  /** After a change: report it to the catalog now or when the interval allows, never holding up the caller. */
  private summaryChanged(now: number): void {
    const sending = this.reporter.changed(now, (v) => this.sendSummary(v));
    if (sending) this.ctx.waitUntil(sending);
  }

  private async sendSummary(version: number): Promise<void> {
    const id = this.log.identity;
    const o = this.offsets();
    if (!id || !o.ok) return; // deleted: the catalog has dropped this incarnation's summaries
    await catalogStub(this.env.CATALOG).report({
      kind: "partition", id: `${id.topicId}/${id.partition}`, owner: id.topicId, version,
      body: {
        topic: id.topic, partition: id.partition, logStartOffset: o.logStartOffset, highWatermark: o.highWatermark,
        records: o.records, bytes: o.bytes, hot: o.hot ?? { records: o.records, bytes: o.bytes }, warm: o.warm ?? { records: 0, bytes: 0, segments: 0 },
      },
    });
  }

  /** Keeps one alarm at the earliest deadline: tiering's (TierUpkeep.nextDeadline) or an owed summary report. */
  private async scheduleAlarm(recompute: boolean): Promise<void> {
    const now = Date.now();
    // On append only the hot bound or the dirty ratio can bring tiering forward; the full recompute (a few index
    // seeks) runs after an alarm, a config change, or when no alarm is set.
    const tiering = recompute || this.alarmAt === null ? this.upkeep.nextDeadline(now) : this.upkeep.deadlineAfterAppend(now);
    const report = this.log.isActive ? this.reporter.dueAt() : null;
    const due = [tiering, report].filter((t): t is number => t !== null);
    const next = due.length > 0 ? Math.max(now, Math.min(...due)) : null;
    if (next !== null && (this.alarmAt === null || next < this.alarmAt || recompute)) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }
}

function notCompacted(topic: string) {
  return fail("TOPIC_NOT_COMPACTED", `topic '${topic}' has no compact in cleanup.policy; set cleanup.policy to compact or delete,compact`, "topic");
}
