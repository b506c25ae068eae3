import { transportFor, type ClientOptions } from "../connection.js";
import { InvalidRequestError, StreamError, asStreamError, isRetriable } from "../errors.js";
import { observePolls, type TransactionalInput } from "../consumer/observers.js";
import { retryPolicy, sleep, backoff, withRetry, type RetryPolicy } from "../retry.js";
import type { ProducerIdentity, Transport } from "../transport/types.js";
import { partitionKey, type ProduceMessage, type RecordMetadata, type TopicPartition } from "../types.js";
import { TransactionHandle, type Polled } from "./handle.js";
import { TransactionalSender, partitionCounter } from "./sender.js";
import type { CommitTarget, Session, Transaction, TransactionOwner } from "./types.js";

export interface ExactlyOnceOptions extends ClientOptions {
  /**
   * Kafka's transactional.id. Give a stable one per pipeline instance (e.g. per input partition)
   * so a restarted instance fences its zombie and aborts what it left open; default: a random id.
   */
  transactionalId?: string;
  /** Kafka's transaction.timeout.ms: the engine aborts a transaction open longer. Engine default 60,000. */
  transactionTimeout?: number;
  /** The input consumer `tx.commit(offset)` commits for, when it cannot be told from the records polled. */
  consumer?: TransactionalInput;
  /** Retries of retriable failures (network, engine restart, markers still being written). Default 10. */
  retryAttempts?: number;
  retryDelay?: number;
  /** withIdempotency: how long to wait for another caller running the same id. Default 30,000 ms. */
  idempotencyWait?: number;
}

export type { CommitTarget, Transaction } from "./types.js";


const DEFAULT_EOS_RETRY_ATTEMPTS = 10;
const DEFAULT_IDEMPOTENCY_WAIT_MS = 30_000;
const IDEMPOTENCY_POLL_MS = 100;
/** Answers to begin that a new producer session fixes: re-initialising bumps the epoch and aborts what was left open. */
const REINIT = new Set(["INVALID_TXN_STATE", "INVALID_PRODUCER_EPOCH", "TRANSACTIONAL_ID_NOT_FOUND", "INVALID_PRODUCER_ID_MAPPING", "UNKNOWN_PRODUCER_ID", "OUT_OF_ORDER_SEQUENCE_NUMBER"]);

/**
 * Exactly-once consume-transform-produce (issue 12, Kafka's transactions): records produced in a
 * transaction and the input consumer's offsets are committed together, or aborted together.
 *
 * @example
 * const ctx = new ExactlyOnceContext()
 * await ctx.transaction(async (tx) => {
 *   const message = await consumer.poll() // the input consumer, with autoCommit: false
 *   if (!message) return
 *   await tx.produce('invoices', { key: message.key, value: { due: message.value.total * 1.2 } })
 *   await tx.commit(message.offset)
 * })
 */
export class ExactlyOnceContext implements TransactionOwner {
  readonly transactionalId: string;
  private readonly transport: () => Transport;
  private readonly retry: RetryPolicy;
  private readonly partitions: (topic: string) => Promise<number>;
  private session: Promise<Session> | null = null;
  private busy = false;

  constructor(private readonly options: ExactlyOnceOptions = {}) {
    this.transactionalId = options.transactionalId ?? `eos-${crypto.randomUUID()}`;
    this.transport = transportFor(options);
    this.retry = retryPolicy({ retryAttempts: options.retryAttempts ?? DEFAULT_EOS_RETRY_ATTEMPTS, retryDelay: options.retryDelay });
    this.partitions = partitionCounter(this.transport);
  }

  /**
   * Runs `fn` in a transaction: on return, its records and offsets commit together; on a throw
   * both are aborted, the input consumers polled in it are rewound to their committed offsets
   * (so the records are polled again), and the error is rethrown. One transaction at a time.
   */
  async transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    if (this.busy) throw new InvalidRequestError("one transaction at a time per ExactlyOnceContext; await the previous one", { field: "transaction" });
    this.busy = true;
    const polled = new Map<TransactionalInput, Map<string, Polled>>();
    const stop = observePolls((consumer, messages) => {
      const parts = polled.get(consumer) ?? polled.set(consumer, new Map()).get(consumer)!;
      for (const m of messages) {
        const p = parts.get(partitionKey(m)) ?? parts.set(partitionKey(m), { consumer, tp: { topic: m.topic, partition: m.partition }, first: m.offset, offsets: new Set() }).get(partitionKey(m))!;
        p.offsets.add(m.offset);
      }
    });
    const rewind = () => {
      for (const [consumer, parts] of polled) consumer.rewindToCommitted([...parts.values()].map((p) => ({ ...p.tp, offset: p.first })));
    };
    try {
      const session = await this.begin();
      const handle = new TransactionHandle(this, session, polled);
      let result: R;
      try {
        result = await fn(handle);
        await session.sender.flush();
        if (handle.failure) throw handle.failure;
      } catch (err) {
        await this.end(session, false).catch(() => (this.session = null)); // a new session aborts it
        rewind();
        throw err;
      }
      try {
        await this.end(session, true);
      } catch (err) {
        // Aborted by the engine, or outcome unknown: the next begin re-initialises (a decided commit
        // is finished first), and the input is read again from what the group really committed.
        this.session = null;
        rewind();
        throw err;
      }
      for (const [consumer, offsets] of handle.committed) consumer.transactionCommitted(offsets);
      return result;
    } finally {
      stop();
      this.busy = false;
    }
  }

  /**
   * Runs `fn` at most once per `id`, durably: the engine keeps a claim/complete record per id
   * (POST /v1/idempotency/:id/…), across processes and restarts. A later call with a completed
   * id returns the first call's result (its JSON) without running `fn`; a call while another
   * caller runs it waits for that result (up to `idempotencyWait`). If `fn` throws, the claim is
   * released and the error rethrown, so a later call may run it. If the process dies inside `fn`,
   * the claim stays: `fn` may have run, so it is never run again (at most once).
   *
   * @example
   * const ctx = new ExactlyOnceContext()
   * const receipt = await ctx.withIdempotency(`charge-${order.customerId}`, async () => ({ charged: order.total }))
   */
  async withIdempotency<R>(id: string, fn: () => Promise<R> | R): Promise<R> {
    const holder = crypto.randomUUID();
    const deadline = Date.now() + (this.options.idempotencyWait ?? DEFAULT_IDEMPOTENCY_WAIT_MS);
    for (;;) {
      const claim = await withRetry(this.retry, () => this.transport().idempotency(id, "claim", { holder }));
      if (claim.status === "completed") return claim.result as R;
      if (claim.status === "claimed") break;
      if (Date.now() >= deadline) {
        throw new StreamError("IDEMPOTENCY_IN_PROGRESS", `'${id}' is claimed by another caller (${claim.holder}) that has not finished; it may have died while running it`, { field: "id" });
      }
      await sleep(IDEMPOTENCY_POLL_MS);
    }
    let result: R;
    try {
      result = await fn();
    } catch (err) {
      await withRetry(this.retry, () => this.transport().idempotency(id, "release", { holder })).catch(() => undefined);
      throw err;
    }
    await withRetry(this.retry, () => this.transport().idempotency(id, "complete", { holder, result }));
    return result;
  }

  /** @internal */
  get retryPolicy(): RetryPolicy {
    return this.retry;
  }

  /** @internal */
  get client(): Transport {
    return this.transport();
  }

  /** @internal */
  get defaultConsumer(): TransactionalInput | undefined {
    return this.options.consumer;
  }

  /** @internal The next transaction starts with a new producer session (bumped epoch: what is left open is aborted). */
  dropSession(): void {
    this.session = null;
  }

  private sessionNow(): Promise<Session> {
    if (!this.session) {
      const s = withRetry(this.retry, () => this.transport().initProducer(this.transactionalId, { transactionTimeoutMs: this.options.transactionTimeout })).then(
        (identity): Session => ({ identity, sender: new TransactionalSender(this.transport, this.transactionalId, identity, this.retry, this.partitions) }),
      );
      s.catch(() => {
        if (this.session === s) this.session = null;
      });
      this.session = s;
    }
    return this.session;
  }

  /** @internal Begins, re-initialising when the coordinator lost or moved past this session (the KafkaJS facade shares it). */
  async begin(): Promise<Session> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.sessionNow();
      try {
        await this.transport().transaction(this.transactionalId, "begin", session.identity);
        return session;
      } catch (err) {
        const e = asStreamError(err, "begin");
        if (REINIT.has(e.code) && attempt < this.retry.attempts) this.session = null;
        else if (!isRetriable(e) || attempt >= this.retry.attempts) throw e;
        else await sleep(backoff(this.retry, attempt));
      }
    }
  }

  /**
   * Commit or abort, asked again until every marker is written (Complete*): a retry of the same
   * decision is answered by the engine, and a decision whose markers are pending is re-driven.
   * So when a commit returns, the group's offsets are in place before the next transaction polls.
   * @internal
   */
  async end(session: Session, commit: boolean): Promise<void> {
    const done = commit ? "CompleteCommit" : "CompleteAbort";
    for (let attempt = 0; ; attempt++) {
      try {
        const { state } = await this.transport().transaction(this.transactionalId, commit ? "commit" : "abort", session.identity);
        if (state === done) return;
        if (attempt >= this.retry.attempts) throw new StreamError("CONCURRENT_TRANSACTIONS", `the ${commit ? "commit" : "abort"} is decided but its markers are not all written yet (${state})`);
      } catch (err) {
        const e = asStreamError(err, commit ? "commit" : "abort");
        if (!isRetriable(e) || attempt >= this.retry.attempts) throw e;
      }
      await sleep(backoff(this.retry, attempt));
    }
  }
}
