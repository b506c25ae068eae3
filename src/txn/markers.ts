import type { Result } from "../core/errors";
import type { CommitRequest } from "../groups/types";
import type { PendingMarkers } from "./state";

/** What writing markers needs from the partitions and groups of a transaction (wired in src/objects/txn.ts). */
export interface MarkerTargets {
  markPartition(topicId: string, partition: number, producerId: number, epoch: number, commit: boolean, txn?: number): Promise<Result<unknown>>;
  commitGroupOffsets(groupId: string, offsets: CommitRequest["offsets"], topicIds: Record<string, string>): Promise<Result<unknown>>;
}

/**
 * Writes a decided transaction's marker to every partition in it, in parallel. True when every
 * partition took it; the coordinator re-drives the rest from its alarm (markers are idempotent).
 */
export async function writeMarkers(targets: MarkerTargets, m: PendingMarkers): Promise<boolean> {
  const answers = await Promise.allSettled([
    ...m.partitions.map((p) => targets.markPartition(p.topicId, p.partition, m.producerId, m.epoch, m.commit, m.txn)),
    // A commit's offsets go to their groups with the markers (an abort drops them).
    ...m.groups.map((g) => targets.commitGroupOffsets(g.group_id, g.offsets, g.topic_ids)),
  ]);
  // A deleted topic's partition answers a failure: nothing of the transaction is left to mark there.
  return answers.every((a) => a.status === "fulfilled" && (a.value.ok || a.value.error.code === "UNKNOWN_TOPIC_OR_PARTITION"));
}
