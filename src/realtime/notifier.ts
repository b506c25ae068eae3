/**
 * The partition's side of realtime delivery (issue 15): the hubs watching this partition, woken
 * after an append the way long-poll waiters are. Kept cheap for the append path: with no watchers
 * it is one size check; with watchers the wake is sent after the append answered (waitUntil) and
 * coalesced per hub — while one wake is in flight, later appends only mark the hub as owed one
 * more, so a burst of appends costs each hub a couple of calls, not one per append.
 */
export interface WatcherStore {
  list(): string[];
  add(hub: string): void;
  remove(hub: string): void;
}

export class WakeNotifier {
  private readonly hubs: Set<string>;
  private readonly inFlight = new Set<string>();
  private readonly owed = new Set<string>();

  /** `send` answers false when the hub no longer reads this partition (it restarted, or everyone left). */
  constructor(
    private readonly store: WatcherStore,
    private readonly send: (hub: string) => Promise<boolean>,
  ) {
    this.hubs = new Set(store.list());
  }

  get size(): number {
    return this.hubs.size;
  }

  watch(hub: string, on: boolean): void {
    if (on && !this.hubs.has(hub)) {
      this.hubs.add(hub);
      this.store.add(hub);
    } else if (!on && this.hubs.delete(hub)) this.store.remove(hub);
  }

  /** Wakes every watching hub; never throws (a failed wake is retried by the next append). */
  notify(): Promise<unknown> {
    return Promise.all([...this.hubs].map((hub) => this.wakeOne(hub)));
  }

  private async wakeOne(hub: string): Promise<void> {
    if (this.inFlight.has(hub)) {
      this.owed.add(hub);
      return;
    }
    this.inFlight.add(hub);
    try {
      do {
        this.owed.delete(hub);
        const watching = await this.send(hub).catch(() => true);
        if (!watching) this.watch(hub, false);
      } while (this.owed.has(hub) && this.hubs.has(hub));
    } finally {
      this.inFlight.delete(hub);
    }
  }
}

/** The watcher list in the partition's SQLite (table from migrations/partition.ts, version 20). */
export function sqlWatcherStore(sql: SqlStorage): WatcherStore {
  return {
    list: () => sql.exec<{ hub: string }>("SELECT hub FROM realtime_watchers").toArray().map((r) => r.hub),
    add: (hub) => void sql.exec("INSERT OR IGNORE INTO realtime_watchers (hub) VALUES (?)", hub),
    remove: (hub) => void sql.exec("DELETE FROM realtime_watchers WHERE hub = ?", hub),
  };
}
