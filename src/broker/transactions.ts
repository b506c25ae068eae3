import type { Result } from "../core/errors";
import type { Env } from "../env";
import type { TxnPartition } from "../txn/state";
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

export function endTxn(env: Env, p: TxnProducer, commit: boolean): Promise<Result<{ state: string }>> {
  return txnStub(env, p.transactionalId).end(p.producerId, p.epoch, commit);
}

export function addPartitionsToTxn(env: Env, p: TxnProducer, partitions: TxnPartition[]): Promise<Result<{}>> {
  return txnStub(env, p.transactionalId).addPartitions(p.producerId, p.epoch, partitions);
}

export function describeTxn(env: Env, transactionalId: string) {
  return txnStub(env, transactionalId).describe();
}
