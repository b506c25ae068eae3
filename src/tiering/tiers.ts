import type { Result } from "../core/errors";
import type { PartitionLog } from "../log/partition-log";
import type { FetchOk, FetchRequest } from "../log/types";
import type { SqlStore } from "../storage";
import type { ColdSink } from "./cold-sink";
import { Compactor } from "./compaction";
import { R2Garbage } from "./r2-garbage";
import { Retention } from "./retention";
import { SegmentIndex } from "./segment-index";
import { TierUpkeep } from "./upkeep";
import { WarmTier } from "./warm-tier";

/**
 * Wires one partition's tiers over its storage, one R2 bucket and a cold sink. The bucket is the
 * seam for R2 faults: the PartitionDO passes its binding, tests a fault-injecting wrapper
 * (test/workers/fixtures/tier-fixture.ts wires one).
 */
export function partitionTiers(log: PartitionLog, storage: SqlStore, bucket: R2Bucket, cold: ColdSink): { warm: WarmTier; upkeep: TierUpkeep } {
  const index = new SegmentIndex(storage);
  const garbage = new R2Garbage(storage);
  const warm = new WarmTier(log, index, bucket, garbage);
  const compaction = new Compactor(log, storage, warm, index, garbage, bucket, cold);
  const upkeep = new TierUpkeep(log, warm, index, new Retention(log, index, garbage), garbage, bucket, cold, compaction);
  return { warm, upkeep };
}

/**
 * One read of the partition, without waiting: warm segments answer below the hot tier; past
 * compaction gaps at the warm tier's end (issue 13) the read goes on in the hot tier. `hot` is the
 * request the hot tier answered (a long-poll parks on it), or null when the warm tier answered.
 */
export async function readTiers(log: PartitionLog, warm: WarmTier, req: FetchRequest): Promise<{ answer: Result<FetchOk>; hot: FetchRequest | null }> {
  if (log.isActive && req.offset >= log.logStart && req.offset < log.hotStart) {
    const answer = await warm.read(req);
    if (!answer.ok || answer.count > 0 || answer.nextOffset < log.hotStart) return { answer, hot: null };
    req = { ...req, offset: answer.nextOffset };
  }
  return { answer: log.read(req), hot: req };
}
