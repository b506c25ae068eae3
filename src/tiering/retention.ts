import type { TopicConfig } from "../core/config";
import { RETENTION_SEGMENTS_PER_ALARM } from "../core/limits";
import type { PartitionLog } from "../log/partition-log";
import type { R2Garbage } from "./r2-garbage";
import { ColdState, type SegmentIndex } from "./segment-index";

/** Kafka: retention.ms / retention.bytes apply only when cleanup.policy contains `delete`. */
const deletes = (config: TopicConfig) => config["cleanup.policy"].includes("delete");

/**
 * retention.ms / retention.bytes over the warm tier of one partition: whole segments, oldest
 * first, never one the cold sink has not taken yet. Reads the index from its oldest row and
 * stops at the first segment it keeps, so its work follows what it deletes, not the history.
 */
export class Retention {
  constructor(
    private readonly log: PartitionLog,
    private readonly index: SegmentIndex,
    private readonly garbage: R2Garbage,
  ) {}

  /**
   * Drops doomed segments from the index and moves the log start, in one transaction that also
   * records their objects as R2 garbage (swept by the caller): a crash before the sweep leaves
   * the rows, never an orphan object. Returns the retired object keys.
   */
  apply(now: number): string[] {
    const config = this.log.config;
    if (!config || !deletes(config)) return [];
    let total = this.index.totals().recordBytes + this.log.hotStats().bytes;
    const doomed: { baseOffset: number; lastOffset: number; objectKey: string }[] = [];
    for (const s of this.index.oldest(RETENTION_SEGMENTS_PER_ALARM)) {
      const byTime = config["retention.ms"] >= 0 && s.maxTimestamp < now - config["retention.ms"];
      const bySize = config["retention.bytes"] >= 0 && total > config["retention.bytes"];
      if ((!byTime && !bySize) || s.coldState === ColdState.owed) break;
      doomed.push(s);
      total -= s.recordBytes;
    }
    if (doomed.length === 0) return [];
    const newStart = doomed[doomed.length - 1].lastOffset + 1;
    const keys = doomed.map((s) => s.objectKey);
    this.log.advanceLogStart(Math.max(this.log.logStart, newStart), () => {
      for (const s of doomed) this.index.delete(s.baseOffset);
      this.garbage.add(keys, now);
    });
    return keys;
  }

  /**
   * When the oldest segment falls out of retention.ms, for the alarm; null when time can't delete
   * anything (compacted-only topics, infinite retention, no segments). Ignoring cleanup.policy
   * here made a compacted topic's alarm re-arm at "now" forever (issue 9 #8).
   */
  nextDeadline(): number | null {
    const config = this.log.config;
    if (!config || !deletes(config) || config["retention.ms"] < 0) return null;
    const first = this.index.first();
    return first ? first.maxTimestamp + config["retention.ms"] : null;
  }
}
