import type { Result } from "../core/errors";
import type { CommitRequest } from "../groups/types";
import { validateTxnOffsets } from "./groups";
import type { Env } from "../env";
import type { TxnPartition, TxnStateName } from "../txn/state";
import { txnStub } from "./stubs";

export interface TxnProducer {
  transactionalId: string;
  producerId: number;
  epoch: number;
}

/** Kafka's transactional requests, each answered by the transactional id's coordinator. */
export function beginTxn(env: Env, p: TxnProducer): Promise<Result<{}>> {
  return txnStub(env, p.transactionalId).begin(p.producerId, p.epoch);
}

export function endTxn(env: Env, p: TxnProducer, commit: boolean): Promise<Result<{ state: TxnStateName }>> {
  return txnStub(env, p.transactionalId).end(p.producerId, p.epoch, commit);
}

export function addPartitionsToTxn(env: Env, p: TxnProducer, partitions: TxnPartition[]): Promise<Result<{ txn: number }>> {
  return txnStub(env, p.transactionalId).addPartitions(p.producerId, p.epoch, partitions);
}

/**
 * sendOffsetsToTransaction: the group checks member and generation now (Kafka's TxnOffsetCommit),
 * the coordinator keeps the offsets, and the commit's markers commit them to the group.
 */
export async function sendOffsetsToTxn(env: Env, p: TxnProducer, groupId: string, input: CommitRequest): Promise<Result<{}>> {
  const valid = await validateTxnOffsets(env, groupId, input);
  if (!valid.ok) return valid;
  return txnStub(env, p.transactionalId).addOffsets(p.producerId, p.epoch, { group_id: groupId, offsets: input.offsets, topic_ids: valid.topicIds });
}

export function describeTxn(env: Env, transactionalId: string) {
  return txnStub(env, transactionalId).describe();
}
