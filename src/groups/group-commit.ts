/**
 * Group commit for membership changes (issue 11.4): Kafka's group.initial.rebalance.delay.ms
 * folds joins into one generation by waiting a fixed time; this folds them without a delay.
 * `request()` starts a cycle at once when none is running, so a lone join never waits; requests
 * that arrive while a cycle runs (its writes are being made durable) share the next cycle.
 * Sequential requests therefore still get one cycle each.
 *
 * @example
 * const commit = new GroupCommit(async () => { membership.settle(); await storage.sync(); });
 * membership.stageJoin(...); await commit.request(); // the settle that included this join is durable
 */
export class GroupCommit {
  private waiting: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private running = false;

  /** `cycle` applies everything staged so far (synchronously, before its first await) and resolves once durable. */
  constructor(private readonly cycle: () => Promise<void>) {}

  /** Resolves when a cycle that started after this call has finished. */
  request(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (!this.running) void this.drive();
    return done;
  }

  private async drive(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        try {
          await this.cycle();
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
        // Let the batch answer at the generation it settled before the next cycle bumps it again.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    } finally {
      this.running = false;
    }
  }
}
