import { COLD_HANDOFFS_PER_ALARM, COMPACTION_SEGMENTS_PER_ALARM } from "../core/limits";
import type { Compactor } from "./compaction";
import type { PartitionLog } from "../log/partition-log";
import type { ColdSink } from "./cold-sink";
import type { R2Garbage } from "./r2-garbage";
import type { Retention } from "./retention";
import type { SegmentIndex } from "./segment-index";
import type { WarmTier } from "./warm-tier";

/**
 * What one partition's alarm does for its tiers, and when it must run next: roll, hand to cold,
 * retention, and deleting the R2 objects those steps owe. Time is a parameter, so a test can run a
 * simulated week of alarms. Every step is idempotent (alarms are at-least-once): a repeated run
 * rewrites the same keys, skips what the cold sink already has and sweeps keys already gone.
 */
export class TierUpkeep {
  /** The run in flight, so a topic delete can wait for it before it deletes what that run wrote. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: PartitionLog,
    private readonly warm: WarmTier,
    private readonly index: SegmentIndex,
    private readonly retention: Retention,
    private readonly garbage: R2Garbage,
    private readonly bucket: R2Bucket,
    private readonly cold: ColdSink,
    private readonly compaction: Compactor,
  ) {}

  /** One alarm run. Each step re-checks that the partition is live: a delete wins over a roll. */
  /** `afterRollStep` runs after each roll step (appends held back by a burst wait for it). */
  tend(now: number, rollSteps: number, afterRollStep: () => void = () => {}): Promise<void> {
    const run = this.tendOnce(now, rollSteps, afterRollStep);
    this.running = run.catch(() => undefined);
    return run;
  }

  private async tendOnce(now: number, rollSteps: number, afterRollStep: () => void): Promise<void> {
    for (let i = 0; i < rollSteps && this.log.isActive; i++) {
      const rolled = await this.warm.rollOnce(now);
      afterRollStep();
      if (!rolled) break;
    }
    await this.handToCold();
    for (const key of this.retention.apply(now)) this.warm.forget(key);
    // Compaction (issue 13) cleans only segments the cold sink has, so it waits for the hand-over.
    const clean = this.compaction.dueAt(now);
    if (clean !== null && clean <= now && !this.index.owesCold && this.log.isActive) await this.compaction.step(now, COMPACTION_SEGMENTS_PER_ALARM);
    // After the rolls, never during one: a roll's own key is garbage until it commits (R2Garbage).
    await this.garbage.sweep(this.bucket);
  }

  /**
   * When the alarm must run next, or null when nothing is due: now while the hot tier is over its
   * bound, a segment is owed to the cold sink or an R2 delete is owed; else the earliest of the hot
   * age deadline and the retention deadline. Each term is an indexed lookup, not an index scan.
   */
  nextDeadline(now: number): number | null {
    if (this.garbage.pending) return now;
    const config = this.log.config;
    if (!config || !this.log.isActive) return null;
    if (this.hotOverBound() || this.index.owesCold) return now;
    const candidates = [this.log.nextAgeDeadline(), this.retention.nextDeadline(), this.compaction.dueAt(now)].filter((t): t is number => t !== null);
    return candidates.length > 0 ? Math.max(now, Math.min(...candidates)) : null;
  }

  /**
   * The deadline after an append, without nextDeadline's full recompute: an append can bring
   * tiering forward only through the hot bound or compaction's dirty ratio.
   */
  deadlineAfterAppend(now: number): number | null {
    return this.hotOverBound() ? now : this.compaction.dueAt(now);
  }

  /** An append added `bytes` to the hot tier: compaction's dirty ratio counts them (issue 13). */
  appended(bytes: number): void {
    this.compaction.appended(bytes);
  }

  hotOverBound(): boolean {
    const config = this.log.config;
    return config !== null && this.log.isActive && this.log.hotCount > config["hot.max.records"] && !this.log.rollBlocked();
  }

  /**
   * Hands the oldest segments the cold sink has not acknowledged (a bounded number per run; the
   * alarm comes straight back for the rest). Nothing of a deleted incarnation goes cold: the
   * check runs before every hand-over, and a delete waits for a hand-over already under way.
   */
  private async handToCold(): Promise<void> {
    for (const s of this.index.owedToCold(COLD_HANDOFFS_PER_ALARM)) {
      const id = this.log.identity;
      if (!id || !this.log.isActive) return;
      const object = await this.bucket.get(s.objectKey);
      // An object that is gone has nothing left to hand over; marking it keeps the alarm from
      // coming back for it forever.
      if (object) await this.cold.accept({ ...id, segment: s, bytes: new Uint8Array(await object.arrayBuffer()) });
      this.index.markCold(s.baseOffset);
    }
  }

  /**
   * On-demand compaction (issue 13): hands every segment owed to the cold sink (compaction only
   * rewrites segments the cold table has), compacts the whole log, and deletes the replaced objects.
   */
  async compactNow(now: number) {
    const run = (async () => {
      while (this.index.owesCold && this.log.isActive) await this.handToCold();
      const stats = await this.compaction.compactNow(now);
      await this.garbage.sweep(this.bucket);
      return stats;
    })();
    const before = this.running;
    this.running = Promise.all([before, run.catch(() => undefined)]);
    return run;
  }

  /** Topic delete: every indexed segment becomes garbage, inside the log's delete transaction. */
  garbageAllSegments(now: number): void {
    this.garbage.addAllSegments(now);
  }

  /**
   * After a topic delete (the log already refuses work and its segments are garbage): waits for
   * the run in flight, whose roll then finds the partition dead and leaves its object as garbage,
   * and deletes every owed object. Idempotent: the catalog re-drives a delete that failed.
   */
  async destroy(): Promise<void> {
    await this.running;
    await this.garbage.sweep(this.bucket);
  }
}
