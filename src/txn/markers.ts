import { commitTxnOffsets } from "../broker/groups";
import { partitionStub } from "../broker/stubs";
import type { Env } from "../env";
import type { PendingMarkers } from "./state";

/**
 * Writes a decided transaction's marker to every partition in it, in parallel. True when every
 * partition took it; the coordinator re-drives the rest from its alarm (markers are idempotent).
 */
export async function writeMarkers(env: Env, m: PendingMarkers): Promise<boolean> {
  const answers = await Promise.allSettled([
    ...m.partitions.map((p) => partitionStub(env, p.topicId, p.partition).markTxn(m.producerId, m.epoch, m.commit, m.txn)),
    // A commit's offsets go to their groups with the markers (an abort drops them).
    ...m.groups.map((g) => commitTxnOffsets(env, g.group_id, g.offsets, g.topic_ids)),
  ]);
  // A deleted topic's partition answers a failure: nothing of the transaction is left to mark there.
  return answers.every((a) => a.status === "fulfilled" && (a.value.ok || a.value.error.code === "UNKNOWN_TOPIC_OR_PARTITION"));
}
