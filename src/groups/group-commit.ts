/**
 * Group commit for membership changes (issue 11.4). Kafka's group.initial.rebalance.delay.ms folds
 * joins into one generation by waiting a fixed time; this folds them without any delay.
 * `request()` starts a cycle at once when none is running, so a lone join never waits; requests
 * made while a cycle runs (while its writes are being made durable) share the next cycle, and
 * sequential requests still get one cycle each.
 *
 * A cycle applies everything staged, then runs each request's `then` (its answer) in the same
 * synchronous step, so the answers' writes go out in the same durable write as the new generation.
 *
 * @example
 * const commit = new GroupCommit(() => membership.settle(), () => storage.sync());
 * membership.stageJoin(...);
 * const answer = await commit.request(() => membership.answer(member, now));
 */
export class GroupCommit {
  private waiting: Array<Waiter<unknown>> = [];
  private running = false;

  constructor(private readonly apply: () => void, private readonly durable: () => Promise<void>) {}

  /** Resolves with `then()`, run right after a cycle that started after this call applied the changes. */
  request<T>(then: () => T): Promise<T> {
    const done = new Promise<T>((resolve, reject) => this.waiting.push({ then, resolve: resolve as (v: unknown) => void, reject }));
    if (!this.running) void this.drive();
    return done;
  }

  private async drive(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        let outcomes: Array<{ value?: unknown; error?: unknown; failed: boolean }>;
        try {
          this.apply();
          outcomes = batch.map((w) => {
            try {
              return { value: w.then(), failed: false };
            } catch (error) {
              return { error, failed: true };
            }
          });
          await this.durable();
        } catch (err) {
          for (const w of batch) w.reject(err);
          continue;
        }
        batch.forEach((w, i) => (outcomes[i].failed ? w.reject(outcomes[i].error) : w.resolve(outcomes[i].value)));
      }
    } finally {
      this.running = false;
    }
  }
}

interface Waiter<T> {
  then: () => T;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}
