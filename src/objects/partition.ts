import { DurableObject } from "cloudflare:workers";
import { partitionMigrations } from "../../migrations/partition";
import { fail, type Result } from "../core/errors";
import { HOT_BURST_MAX_BYTES, HOT_BURST_WAIT_MS } from "../core/limits";
import { migrate } from "../log/migrator";
import { PartitionLog } from "../log/partition-log";
import type { AppendOk, AppendRecord, FetchOk, FetchRequest, ListOffsetOk, OffsetSpec, PartitionInit, PartitionOffsets } from "../log/types";
import { Waiters } from "../log/waiters";
import { coldSinkFor } from "../tiering/cold-sinks";
import { SegmentIndex } from "../tiering/segment-index";
import { WarmTier } from "../tiering/warm-tier";
import type { Env } from "../env";

/** Roll steps per alarm run, so one alarm never holds the partition for long; the rest is rescheduled. */
const ROLL_STEPS_PER_ALARM = 8;

/**
 * One topic partition. Named `${topicId}/${partition}` so a re-created topic (new topicId) gets
 * fresh objects. Thin on purpose: storage and RPC here, the log's rules in PartitionLog (hot)
 * and WarmTier (segments in R2, cold hand-off, retention).
 */
export class PartitionDO extends DurableObject<Env> {
  private log!: PartitionLog;
  warm!: WarmTier;
  private readonly waiters = new Waiters();
  /** Appends held back by a burst (see roomInHotTier), woken after every roll step. */
  private readonly rollProgress = new Waiters();
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql, partitionMigrations);
      const storage = { sql: ctx.storage.sql, transactionSync: <T>(fn: () => T) => ctx.storage.transactionSync(fn) };
      this.log = new PartitionLog(storage);
      this.warm = new WarmTier(this.log, new SegmentIndex(storage), env.SEGMENTS, coldSinkFor(env));
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  async init(init: PartitionInit): Promise<Result<{ status: string }>> {
    const r = this.log.init(init);
    await this.scheduleAlarm(true); // a config change may move deadlines
    return r;
  }

  async destroy(): Promise<Result<{}>> {
    await this.warm.destroy();
    const result = this.log.destroy();
    this.waiters.wakeAll();
    this.rollProgress.wakeAll();
    return result;
  }

  async append(records: AppendRecord[]): Promise<Result<AppendOk>> {
    if (!(await this.roomInHotTier())) {
      return fail("THROTTLING_QUOTA_EXCEEDED", `the hot tier is more than ${HOT_BURST_MAX_BYTES} bytes past hot.max.records and the roll to warm segments has not caught up; retry`);
    }
    const result = this.log.append(records, Date.now());
    if (result.ok) {
      this.waiters.wakeAll();
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

  /** Long-poll: when caught up, park until an append wakes us or `waitMs` runs out, then read once more. */
  async read(req: FetchRequest): Promise<Result<FetchOk>> {
    if (this.log.isActive && req.offset >= this.log.logStart && req.offset < this.log.hotStart) return this.warm.read(req);
    const first = this.log.read(req);
    if (!first.ok || first.count > 0 || req.waitMs <= 0 || !this.log.isCaughtUp(req.offset)) return first;
    await this.waiters.wait(req.waitMs);
    return this.log.read(req);
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
    const warm = this.warm.index.totals();
    return { ...hot, records: hot.records + warm.records, bytes: hot.bytes + warm.recordBytes, hot: { records: hot.records, bytes: hot.bytes }, warm: { records: warm.records, bytes: warm.bytes, segments: warm.segments } };
  }

  /** At-least-once: every step below is idempotent (see WarmTier), so a repeated run only repeats harmless work. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.log.isActive) return;
    const now = Date.now();
    for (let i = 0; i < ROLL_STEPS_PER_ALARM; i++) {
      const rolled = await this.warm.rollOnce(now);
      this.rollProgress.wakeAll();
      if (!rolled) break;
    }
    await this.warm.handToCold();
    await this.warm.applyRetention(now);
    await this.scheduleAlarm(true);
  }

  /** Keeps one alarm at the earliest tiering deadline: now when the hot tier is over its bound. */
  private async scheduleAlarm(recompute: boolean): Promise<void> {
    const config = this.log.config;
    if (!config || !this.log.isActive) return;
    const now = Date.now();
    let next: number | null = null;
    if (this.log.hotCount > config["hot.max.records"]) next = now;
    else if (recompute || this.alarmAt === null) {
      if (this.warm.index.owedToCold().length > 0) next = now;
      const candidates = [this.log.nextAgeDeadline(), this.warm.nextRetentionDeadline()].filter((t): t is number => t !== null);
      if (next === null && candidates.length) next = Math.max(now, Math.min(...candidates));
    }
    if (next !== null && (this.alarmAt === null || next < this.alarmAt || recompute)) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
    }
  }
}
