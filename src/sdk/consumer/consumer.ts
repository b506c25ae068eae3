import { transportFor } from "../connection.js";
import { DEFAULT_AUTO_COMMIT_INTERVAL_MS, DEFAULT_MAX_POLL_RECORDS, DEFAULT_POLL_TIMEOUT_MS, MAX_FETCH_MAX_RECORDS, MAX_WAIT_MS, MISSING_TOPIC_RETRY_MS } from "../defaults.js";
import { Emitter } from "../emitter.js";
import { ClientClosedError, GroupNotFoundError, IllegalGenerationError, InvalidRequestError, UnknownTopicError, type StreamError } from "../errors.js";
import { instrumentTransport } from "../instrumentation.js";
import { retryPolicy, withRetry, type RetryPolicy } from "../retry.js";
import type { Transport } from "../transport/types.js";
import { partitionKey, type Message, type TopicPartition, type TopicPartitionOffset } from "../types.js";
import { Committer } from "./committer.js";
import { Fetcher, type StartIntent } from "./fetcher.js";
import { GroupMembership } from "./membership.js";
import { CONSUMER_EVENTS, type CommittedOffset, type ConsumerEvents, type ConsumerOptions } from "./options.js";
import { ConsumerReporter } from "./reporter.js";
import { polled, type TransactionalInput } from "./observers.js";
import { resolveStarts } from "./positions.js";

type OffsetTarget = number | { topic?: string; partition: number; offset: number };

/**
 * Reads records from one or more topics, alone (every partition) or as a member of a group
 * (the partitions the group assigns it, kept current by background heartbeats). All its
 * partitions are read with one request at a time (POST /v1/fetch), so a consumer uses one
 * connection for records however many partitions it reads.
 *
 * Offsets, dotdo's convention: `commit(n)` and `committed()` mean "done through n" (the last
 * processed record); the engine stores n + 1, Kafka's "next to read", which is what the HTTP API
 * and the KafkaJS-shaped facade use.
 *
 * A subscribed topic that does not exist yet is not an error for poll(): it answers null after
 * its timeout, as a Kafka consumer keeps polling, and reports the condition once on the `error`
 * channel (an UnknownTopicError) and in the log (WARN); reading starts once the topic exists.
 *
 * @example
 * const consumer = new Consumer('orders', { groupId: 'order-processor' })
 * for await (const message of consumer) {
 *   await processOrder(message.value) // committed automatically once the loop asks for the next one
 * }
 * @example
 * // Instrumentation and logs, as in KafkaJS
 * consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => console.log('committed', payload.offsets))
 * const quiet = new Consumer('orders', { logLevel: logLevel.ERROR, logCreator: () => (entry) => console.log(entry.log.message) })
 */
export class Consumer<T = unknown> extends Emitter<ConsumerEvents> implements AsyncIterable<Message<T>>, TransactionalInput {
  readonly groupId: string | undefined;
  /** Instrumentation event names: `consumer.on(consumer.events.GROUP_JOIN, …)`. */
  readonly events = CONSUMER_EVENTS;
  private topics: string[];
  private readonly report: ConsumerReporter;
  /** Set while a subscribed topic is missing, so the condition is reported once, not every poll. */
  private missingTopic: string | null = null;
  private readonly transport: () => Transport;
  private readonly retry: RetryPolicy;
  private readonly fetcher: Fetcher<T>;
  private readonly committer: Committer;
  private membership: GroupMembership | null = null;
  private started: Promise<void> | null = null;
  private closed = false;
  private everAssigned = false;
  private initialIntent: StartIntent | null = null;
  private readonly pendingSeeks = new Map<string, StartIntent>();
  private lastReturned: Message<T> | null = null;
  /** Commits under way: close() lets them finish before leaving the group (they need the membership). */
  private readonly commits = new Set<Promise<void>>();

  constructor(topics?: string | string[], private readonly options: ConsumerOptions = {}) {
    super();
    this.groupId = options.groupId;
    this.topics = topics === undefined ? [] : [topics].flat();
    this.report = new ConsumerReporter((event, ...args) => this.emit(event, ...args), this.groupId, options);
    const raw = transportFor(options);
    let instrumented: Transport | null = null;
    this.transport = () => (instrumented ??= instrumentTransport(raw(), (p) => this.report.request(p)));
    this.retry = retryPolicy(options);
    const maxRecords = Math.min(MAX_FETCH_MAX_RECORDS, Math.max(1, options.maxPollRecords ?? DEFAULT_MAX_POLL_RECORDS));
    this.fetcher = new Fetcher<T>(this.transport, { maxRecords, retry: this.retry, isolation: options.isolationLevel });
    this.committer = new Committer(this.transport, this.groupId, () => this.membership, this.retry, (offsets, member) => this.report.committed(offsets, member));
  }

  /** The subscribed topic names, in the order subscribed. */
  get subscriptions(): string[] {
    return [...this.topics];
  }

  private get autoCommit(): boolean {
    return this.groupId !== undefined && this.options.autoCommit !== false;
  }

  /** The group's member id for this consumer (null without a group or before joining). */
  get memberId(): string | null {
    return this.membership?.memberId ?? null;
  }

  /** The generation of the group's latest answer to this consumer (0 before joining). */
  get generation(): number {
    return this.membership?.generation ?? 0;
  }

  /** The group leader's member id, as of the latest answer. */
  get leader(): string | null {
    return this.membership?.leader ?? null;
  }

  /** Subscribes to these topics (replacing the subscription, as Kafka does). */
  async subscribe(topics: string | string[]): Promise<void> {
    this.ensureOpen();
    this.topics = [...new Set([topics].flat())];
    if (!this.started) return;
    if (this.membership) await this.membership.setTopics(this.topics);
    else await this.assignAll();
  }

  /** Drops the subscription: leaves the group, stops fetching. subscribe() starts again. */
  async unsubscribe(): Promise<void> {
    this.topics = [];
    await this.committer.stopAuto();
    if (this.autoCommit) await this.committer.commitConsumed().catch((err) => this.emit("error", err));
    await this.membership?.leave();
    await this.applyAssignment([]);
    this.membership = null;
    this.started = null;
  }

  /** Joins the group (or loads the topics' partitions) now rather than on the first poll. */
  connect(): Promise<void> {
    this.ensureOpen();
    this.started ??= this.start().catch((err) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }

  /** The partitions this consumer reads now. */
  assignment(): TopicPartition[] {
    return this.fetcher.owned();
  }

  /** The next record, or null if none arrives within `timeout` ms (default 1,000). */
  async poll(options: { timeout?: number } = {}): Promise<Message<T> | null> {
    const [m] = await this.read(1, options.timeout ?? DEFAULT_POLL_TIMEOUT_MS, true);
    return m ?? null;
  }

  /** Up to `maxRecords` (default maxPollRecords) records; empty if none arrive within `timeout` ms. */
  pollBatch(options: { timeout?: number; maxRecords?: number } = {}): Promise<Message<T>[]> {
    return this.read(options.maxRecords ?? this.options.maxPollRecords ?? DEFAULT_MAX_POLL_RECORDS, options.timeout ?? DEFAULT_POLL_TIMEOUT_MS, true);
  }

  /**
   * Iterates until the consumer is closed. A record counts as processed (for auto-commit and
   * commit()) when the loop asks for the next one; the record a loop breaks or throws on does not.
   */
  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    let previous: Message<T> | null = null;
    return {
      next: async (): Promise<IteratorResult<Message<T>>> => {
        if (previous) this.committer.mark(previous);
        previous = null;
        while (!this.closed) {
          const [m] = await this.read(1, MAX_WAIT_MS, false);
          if (m) return { done: false, value: (previous = m) };
        }
        return { done: true, value: undefined };
      },
      return: async (): Promise<IteratorResult<Message<T>>> => {
        previous = null;
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Commits "done through `offset`" (dotdo's convention; the engine stores offset + 1, Kafka's
   * next-to-read, which is what the HTTP API and the KafkaJS facade take). A bare number means the
   * partition of the last record returned; no argument commits everything returned. With
   * `{ generation }`, a generation older than the group's rejects with IllegalGenerationError
   * before anything else is checked.
   *
   * @example await consumer.commit(message.offset)
   */
  async commit(target?: OffsetTarget | OffsetTarget[], options: { generation?: number } = {}): Promise<void> {
    this.ensureOpen();
    // A stale generation is the answer whatever else is wrong with the call (issue 14).
    if (options.generation !== undefined) this.checkGeneration(options.generation, this.generation);
    if (target === undefined) return this.track(this.committer.commitConsumed());
    const offsets = [target].flat().map((t) => {
      const tp = typeof t === "number" ? this.lastPartition() : this.partition(t.topic, t.partition);
      const offset = typeof t === "number" ? t : t.offset;
      if (!Number.isInteger(offset) || offset < 0) throw new InvalidRequestError(`offset must be a non-negative integer, got ${offset}`, { field: "offset" });
      return { ...tp, offset: offset + 1 };
    });
    await this.track(this.committer.commit(offsets, options));
  }

  /** @internal Rejects a generation older than `current` (or not a generation at all), naming it. */
  checkGeneration(generation: number, current: number): void {
    if (!Number.isInteger(generation) || generation < 0) throw new InvalidRequestError(`generation must be a non-negative integer, got ${generation}`, { field: "generation" });
    if (this.membership?.memberId && generation < current) {
      throw new IllegalGenerationError(`generation ${generation} is stale; the group is at generation ${current}`, { field: "generation" });
    }
  }

  /**
   * @internal Heartbeats now; true once this member holds exactly its share of the current
   * generation and owes no acknowledgement (or has no membership to settle). ConsumerGroup.join
   * and leave use it to resolve only when the group has settled for this process's members.
   */
  async settle(): Promise<boolean> {
    const m = this.membership;
    if (!m?.memberId) return true;
    await m.heartbeatNow();
    return m.memberId === null || m.reconciled;
  }

  private track(commit: Promise<void>): Promise<void> {
    this.commits.add(commit);
    void commit.catch(() => undefined).finally(() => this.commits.delete(commit));
    return commit;
  }

  /**
   * Committed positions in commit()'s convention, "done through": the last processed offset
   * (null when nothing was committed). `commit(41)` then `committed({ partition })` answers 41.
   *
   * @example
   * await consumer.commit({ partition: 0, offset: 41 })
   * const done = await consumer.committed({ partition: 0 }) // 41: the next read starts at 42
   */
  committed(): Promise<CommittedOffset[]>;
  committed(partition: { topic?: string; partition: number }): Promise<number | null>;
  async committed(which?: { topic?: string; partition: number }): Promise<CommittedOffset[] | number | null> {
    const groupId = this.groupId;
    if (!groupId) throw new InvalidRequestError("committed() needs a consumer groupId", { field: "groupId" });
    const topics = which ? [this.partition(which.topic, which.partition).topic] : this.topics;
    const lags = await Promise.all(
      topics.map((topic) => this.transport().groupOffsets(groupId, { topic }).catch((err) => (err instanceof GroupNotFoundError ? [] : Promise.reject(err)))),
    );
    const list = lags.flat().map((l) => ({ topic: l.topic, partition: l.partition, offset: l.committedOffset === null || l.committedOffset === 0 ? null : l.committedOffset - 1 }));
    if (!which) return list;
    return list.find((c) => c.partition === which.partition)?.offset ?? null;
  }

  /** Next read of this partition starts at `offset` (out of range: autoOffsetReset decides). */
  async seek(target: { topic?: string; partition: number; offset: number }): Promise<void> {
    this.seekTo({ offset: target.offset }, [this.partition(target.topic, target.partition)]);
  }

  /** Replays from the oldest record kept (all owned partitions, or these). */
  async seekToBeginning(partitions?: TopicPartition[]): Promise<void> {
    this.seekTo("earliest", partitions);
  }

  /** Skips to the end: only records produced from now on. */
  async seekToEnd(partitions?: TopicPartition[]): Promise<void> {
    this.seekTo("latest", partitions);
  }

  /** Starts at the first record with timestamp >= `timestamp` (ms); at the log end when no record is that late. */
  async seekToTimestamp(timestamp: number, partitions?: TopicPartition[]): Promise<void> {
    this.seekTo({ timestamp }, partitions);
  }

  /**
   * Stops returning and fetching these partitions until resume(). Without a list: every assigned
   * partition, including partitions assigned later, until resume() without a list.
   *
   * @example
   * consumer.pause()   // back-pressure: nothing is fetched or returned
   * consumer.resume()
   */
  pause(partitions?: TopicPartition[]): void {
    this.fetcher.setPaused(partitions, true);
  }

  /** Resumes these partitions, or (no list) every partition. */
  resume(partitions?: TopicPartition[]): void {
    this.fetcher.setPaused(partitions, false);
  }

  paused(): TopicPartition[] {
    return this.fetcher.paused();
  }

  /** Commits (with autoCommit), leaves the group, stops. Further polls throw ClientClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.committer.stopAuto();
    await Promise.allSettled([...this.commits]);
    if (this.autoCommit && this.membership?.memberId) await this.committer.commitConsumed().catch((err) => this.emit("error", err));
    await this.membership?.leave().catch((err) => this.emit("error", err));
    await this.applyAssignment([]);
    this.fetcher.close();
  }

  /** @internal An ExactlyOnceContext's transaction committed these wire offsets to the group (issue 12). */
  transactionCommitted(offsets: TopicPartitionOffset[]): void {
    this.committer.committedElsewhere(offsets);
  }

  /**
   * @internal An ExactlyOnceContext's transaction was aborted (issue 12): its records are read
   * again from the group's committed offsets, and auto-commit forgets them.
   */
  rewindToCommitted(partitions: TopicPartitionOffset[]): void {
    this.committer.forget(partitions);
    for (const tp of partitions) if (this.fetcher.owns(tp)) this.fetcher.seek(tp, this.groupId ? "committed" : { offset: tp.offset });
  }

  private ensureOpen(): void {
    if (this.closed) throw new ClientClosedError("the consumer is closed; create a new Consumer to read again");
  }

  private async read(max: number, timeout: number, mark: boolean): Promise<Message<T>[]> {
    this.ensureOpen();
    if (this.topics.length === 0) throw new InvalidRequestError("the consumer is not subscribed to any topic; call subscribe(topic) first", { field: "topics" });
    const deadline = Date.now() + timeout;
    if (!(await this.connectBy(deadline))) return [];
    for (;;) {
      const failure = this.membership?.fatal ?? this.fetcher.takeFailure();
      if (failure) throw this.report.crash(failure);
      await this.position();
      const batch = this.fetcher.take(max);
      if (batch.length > 0) {
        this.lastReturned = batch[batch.length - 1];
        polled(this, batch);
        if (mark) batch.forEach((m) => this.committer.mark(m));
        return batch;
      }
      const left = deadline - Date.now();
      // Fetches start even when the time is up, so poll({ timeout: 0 }) finds records next time.
      const retryIn = this.fetcher.fetchAll(Math.max(0, Math.min(left, MAX_WAIT_MS)));
      if (left <= 0 || this.closed) return [];
      await this.fetcher.wait(Math.min(left, retryIn ?? left));
    }
  }

  /**
   * connect(), but a subscribed topic that does not exist yet is waited for until `deadline`
   * (tried again every MISSING_TOPIC_RETRY_MS), as a Kafka consumer keeps polling; reported once.
   */
  private async connectBy(deadline: number): Promise<boolean> {
    for (;;) {
      try {
        await this.connect();
        this.missingTopic = null;
        return true;
      } catch (err) {
        if (!(err instanceof UnknownTopicError)) throw this.report.crash(err as StreamError);
        if (this.missingTopic === null) {
          this.missingTopic = err.message;
          this.report.missingTopic(err, this.subscriptions);
        }
        const left = deadline - Date.now();
        if (left <= 0 || this.closed) return false;
        await new Promise((r) => setTimeout(r, Math.min(left, MISSING_TOPIC_RETRY_MS)));
      }
    }
  }

  private async start(): Promise<void> {
    if (!this.groupId) return this.assignAll();
    const o = this.options;
    this.membership = new GroupMembership(
      this.transport,
      {
        groupId: this.groupId, topics: this.topics, groupInstanceId: o.groupInstanceId, sessionTimeoutMs: o.sessionTimeout,
        rebalanceTimeoutMs: o.rebalanceTimeout, assignor: o.rebalanceStrategy, heartbeatIntervalMs: o.heartbeatInterval, retry: this.retry,
      },
      { onAssignment: (next) => this.applyAssignment(next), onError: (err) => this.emit("error", err), onJoin: (a) => this.report.joined(a) },
    );
    await this.membership.join();
    if (this.autoCommit) this.committer.startAuto(o.autoCommitInterval ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS, (err) => this.emit("error", err));
  }

  /** Without a group: every partition of every subscribed topic. */
  private async assignAll(): Promise<void> {
    const described = await Promise.all(this.topics.map((t) => withRetry(this.retry, () => this.transport().describeTopic(t))));
    await this.applyAssignment(described.flatMap((d) => Array.from({ length: d.partitions }, (_, partition) => ({ topic: d.name, partition }))));
  }

  private async applyAssignment(next: TopicPartition[]): Promise<void> {
    const { added, removed } = this.fetcher.assign(next, (tp) => this.intentFor(tp));
    const generation = this.generation;
    if (removed.length > 0) {
      if (this.autoCommit && !this.closed) await this.committer.commitConsumed(removed, { inRebalance: true }).catch((err) => this.emit("error", err));
      this.committer.forget(removed);
      if (this.lastReturned && removed.some((tp) => partitionKey(tp) === partitionKey(this.lastReturned!))) this.lastReturned = null;
      this.emit("rebalance", { type: "revoked", partitions: removed, generation });
    }
    if (added.length > 0) {
      this.everAssigned = true;
      this.initialIntent = null;
      this.emit("rebalance", { type: "assigned", partitions: added, generation });
    }
    if (added.length > 0 || removed.length > 0) this.report.rebalancing(this.memberId, generation, added, removed);
  }

  private intentFor(tp: TopicPartition): StartIntent {
    const key = partitionKey(tp);
    const seek = this.pendingSeeks.get(key);
    this.pendingSeeks.delete(key);
    return seek ?? this.initialIntent ?? "committed";
  }

  /** Seeks owned partitions now; before the first assignment, remembers them for it. */
  private seekTo(intent: StartIntent, partitions?: TopicPartition[]): void {
    this.ensureOpen();
    if (!partitions && !this.everAssigned) {
      this.initialIntent = intent;
      this.pendingSeeks.clear();
    }
    for (const tp of partitions ?? this.fetcher.owned()) {
      if (this.fetcher.owns(tp)) this.fetcher.seek(tp, intent);
      else this.pendingSeeks.set(partitionKey(tp), intent);
    }
  }

  private async position(): Promise<void> {
    const wanted = this.fetcher.unpositioned();
    if (wanted.length === 0) return;
    const starts = await withRetry(this.retry, () => resolveStarts(this.transport(), this.groupId, this.options.autoOffsetReset ?? "earliest", wanted));
    for (const w of wanted) this.fetcher.setPosition(w.tp, starts.get(partitionKey(w.tp))!, w.epoch);
  }

  private partition(topic: string | undefined, partition: number): TopicPartition {
    if (topic !== undefined) return { topic, partition };
    if (this.topics.length === 1) return { topic: this.topics[0], partition };
    throw new InvalidRequestError(`name the topic: this consumer reads ${this.topics.length} topics`, { field: "topic" });
  }

  private lastPartition(): TopicPartition {
    if (this.lastReturned) return { topic: this.lastReturned.topic, partition: this.lastReturned.partition };
    const owned = this.fetcher.owned();
    if (owned.length === 1) return owned[0];
    throw new InvalidRequestError("commit(offset) commits the partition of the last record returned, and none was; pass { partition, offset }", { field: "offset" });
  }
}
