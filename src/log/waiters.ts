/**
 * Long-poll fetches park here until an append wakes them or their wait runs out. In memory on
 * purpose: a waiter lives no longer than the request holding it, and appends wake it directly,
 * so nobody polls SQLite in a loop.
 */
export class Waiters {
  private readonly pending = new Set<() => void>();

  /** Resolves true when woken by an append, false when `ms` elapsed first. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pending.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.pending.delete(wake);
        resolve(false);
      }, ms);
      this.pending.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.pending]) wake();
  }

  get size(): number {
    return this.pending.size;
  }
}
