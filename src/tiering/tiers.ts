import type { PartitionLog } from "../log/partition-log";
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
 * seam for R2 faults: the PartitionDO passes its binding, tests a fault-injecting wrapper.
 */
export function partitionTiers(log: PartitionLog, storage: SqlStore, bucket: R2Bucket, cold: ColdSink): { warm: WarmTier; upkeep: TierUpkeep } {
  const index = new SegmentIndex(storage);
  const garbage = new R2Garbage(storage);
  const warm = new WarmTier(log, index, bucket, garbage);
  const compaction = new Compactor(log, storage, warm, index, garbage, bucket, cold);
  const upkeep = new TierUpkeep(log, warm, index, new Retention(log, index, garbage), garbage, bucket, cold, compaction);
  return { warm, upkeep };
}
