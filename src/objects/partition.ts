import { DurableObject } from "cloudflare:workers";
import { partitionMigrations } from "../../migrations/partition";
import type { Result } from "../core/errors";
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS } from "../core/limits";
import { migrate } from "../log/migrator";
import { PartitionLog } from "../log/partition-log";
import type { AppendOk, AppendProducer, AppendRecord, FetchOk, FetchRequest, ListOffsetOk, OffsetSpec, PartitionInit, PartitionOffsets } from "../log/types";
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
    return result;
  }

  async append(records: AppendRecord[], producer?: AppendProducer): Promise<Result<AppendOk>> {
    const result = this.log.append(records, Date.now(), producer);
    if (result.ok && !result.duplicate) {
      this.waiters.wakeAll();
      await this.scheduleAlarm(false);
    }
    return result;
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
    for (let i = 0; i < ROLL_STEPS_PER_ALARM; i++) if (!(await this.warm.rollOnce(now))) break;
    await this.warm.handToCold();
    await this.warm.applyRetention(now);
    this.log.producers.expire(now, DEFAULT_PRODUCER_ID_EXPIRATION_MS);
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
