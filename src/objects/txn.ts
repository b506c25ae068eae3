import { DurableObject } from "cloudflare:workers";
import { txnMigrations } from "../../migrations/txn";
import type { Result } from "../core/errors";
import { IDEMPOTENCY_RECORD_TTL_MS, TXN_MARKER_RETRY_MS, UPSTASH_LOST_ANSWER_TTL_MS, UPSTASH_LOST_ANSWER_WAIT_MS } from "../core/limits";
import { durableObjectStore, migrate } from "../storage";
import { IdempotencyRecords, type ClaimAnswer, type IdempotencyDescription } from "../txn/idempotency";
import { LostAnswers, type LostAnswer } from "../txn/lost-answers";
import { writeMarkers, type MarkerTargets } from "../txn/markers";
import { TransactionState, type TxnDescription, type TxnStateName, type TxnGroupOffsets, type TxnPartition } from "../txn/state";
import { groupStub, partitionStub } from "./names";

/**
 * The transaction coordinator of one transactional id (issue 12), named by it. Thin: storage, RPC
 * and the alarm; the state machine lives in TransactionState. After every change that decided a
 * transaction, the markers are written before the call returns; the alarm finishes what a crash or
 * a failed partition left, and aborts transactions past their timeout.
 * The same class, named `idempotency/<id>`, keeps withIdempotency's claim record for that id
 * (src/txn/idempotency.ts), and named `upstash-lost/<n>`, the Upstash surface's undelivered answers
 * (src/txn/lost-answers.ts): separate tables, so even a transactional id spelled like that name is harmless.
 */
export class TxnCoordinator extends DurableObject {
  private txn!: TransactionState;
  private idempotency!: IdempotencyRecords;
  private lost!: LostAnswers;
  /** Requests waiting for the answer of a running write whose client went, by fingerprint. */
  private readonly lostWaiters = new Map<string, Set<() => void>>();
  private readonly targets: MarkerTargets;
  /** One marker run at a time: a second run could mark a later transaction's rows with this decision. */
  private driving: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.targets = {
      markPartition: (topicId, partition, producerId, epoch, commit, txn) => partitionStub(env.PARTITIONS, topicId, partition).markTxn(producerId, epoch, commit, txn),
      // The group ids were checked when the offsets joined the transaction.
      commitGroupOffsets: (groupId, offsets, topicIds) => groupStub(env.GROUPS, groupId).commitTxn(groupId, offsets, topicIds),
    };
    ctx.blockConcurrencyWhile(async () => {
      const storage = durableObjectStore(ctx);
      migrate(storage.sql, txnMigrations);
      this.txn = new TransactionState(storage);
      this.idempotency = new IdempotencyRecords(storage);
      this.lost = new LostAnswers(storage);
    });
  }

  async init(transactionalId: string, producerId: number, epoch: number, timeoutMs: number): Promise<Result<{ producerId: number; epoch: number }>> {
    return this.settle(this.txn.init(transactionalId, producerId, epoch, timeoutMs, Date.now()));
  }

  async begin(producerId: number, epoch: number): Promise<Result<{}>> {
    return this.settle(this.txn.begin(producerId, epoch, Date.now()));
  }

  async addPartitions(producerId: number, epoch: number, partitions: TxnPartition[]): Promise<Result<{ txn: number }>> {
    return this.settle(this.txn.addPartitions(producerId, epoch, partitions, Date.now()));
  }

  async addOffsets(producerId: number, epoch: number, group: TxnGroupOffsets): Promise<Result<{}>> {
    return this.settle(this.txn.addOffsets(producerId, epoch, group, Date.now()));
  }

  async end(producerId: number, epoch: number, commit: boolean): Promise<Result<{ state: TxnStateName }>> {
    const r = await this.settle(this.txn.end(producerId, epoch, commit, Date.now()));
    return r.ok ? { ok: true, state: this.txn.describe()!.state } : r;
  }

  describe(): TxnDescription | null {
    return this.txn.describe();
  }

  async claimIdempotency(id: string, holder: string): Promise<ClaimAnswer> {
    return this.idempotency.claim(id, holder, Date.now());
  }

  async completeIdempotency(id: string, holder: string, resultJson: string): Promise<Result<{ completed_at: number }>> {
    const r = this.idempotency.complete(id, holder, resultJson, Date.now(), IDEMPOTENCY_RECORD_TTL_MS);
    await this.arm();
    return r;
  }

  async releaseIdempotency(id: string, holder: string): Promise<Result<{ released: boolean }>> {
    return this.idempotency.release(id, holder, Date.now());
  }

  describeIdempotency(id: string): IdempotencyDescription | null {
    return this.idempotency.describe(id, Date.now());
  }

  /**
   * The kept answer of an undelivered Upstash-style write with this fingerprint, taken once (issue
   * 19). While that write still runs, waits for its answer (up to UPSTASH_LOST_ANSWER_WAIT_MS; past
   * that the write is presumed crashed, the row goes and the caller writes).
   */
  async takeLostAnswer(fingerprint: string): Promise<LostAnswer | null> {
    const first = this.lost.take(fingerprint, Date.now());
    if (first !== "pending") return first;
    await new Promise<void>((wake) => {
      const timer = setTimeout(done, UPSTASH_LOST_ANSWER_WAIT_MS);
      const waiters = this.lostWaiters.get(fingerprint) ?? new Set();
      this.lostWaiters.set(fingerprint, waiters.add(done));
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        wake();
      }
    });
    const then = this.lost.take(fingerprint, Date.now());
    if (then !== "pending") return then;
    this.lost.drop(fingerprint);
    return null;
  }

  expectLostAnswer(fingerprint: string): void {
    this.lost.expect(fingerprint, Date.now(), UPSTASH_LOST_ANSWER_TTL_MS);
  }

  keepLostAnswer(fingerprint: string, answer: LostAnswer): void {
    this.lost.keep(fingerprint, answer, Date.now(), UPSTASH_LOST_ANSWER_TTL_MS);
    this.wakeLost(fingerprint);
  }

  private wakeLost(fingerprint: string): void {
    const waiters = this.lostWaiters.get(fingerprint);
    this.lostWaiters.delete(fingerprint);
    for (const wake of waiters ?? []) wake();
  }

  /** At-least-once: expiring and re-driving markers are both idempotent, so is dropping expired records. */
  override async alarm(): Promise<void> {
    this.idempotency.expire(Date.now());
    this.txn.expire(Date.now());
    await this.drive();
    await this.arm();
  }

  private async settle<T extends Result<{}>>(r: T): Promise<T> {
    if (r.ok) await this.drive();
    await this.arm();
    return r;
  }

  /** Writes the owed markers, then records the transaction complete; on failure the alarm retries. */
  private async drive(): Promise<void> {
    while (this.driving) await this.driving;
    const pending = this.txn.pending();
    if (!pending) return;
    const run = (async () => {
      if (await writeMarkers(this.targets, pending).catch(() => false)) this.txn.complete(Date.now());
    })();
    this.driving = run;
    try {
      await run;
    } finally {
      this.driving = null;
    }
  }

  private async arm(): Promise<void> {
    const deadlines = [this.txn.deadline(Date.now(), TXN_MARKER_RETRY_MS), this.idempotency.nextExpiry()].filter((t): t is number => t !== null);
    const next = deadlines.length > 0 ? Math.min(...deadlines) : null;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
