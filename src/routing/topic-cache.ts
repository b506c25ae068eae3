import type { TopicInfo } from "../catalog/types";

/**
 * Topic metadata cached in a worker isolate, Kafka-client style: an entry is trusted for `ttlMs`.
 * Bounded (issue 9b: everything an isolate keeps across requests must be): expired entries are
 * dropped when the cache is full, then the oldest, so churn through many topic names (created,
 * used once, deleted) cannot grow it without limit.
 */
export class TopicCache {
  private readonly entries = new Map<string, { info: TopicInfo; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(name: string, now: number): TopicInfo | undefined {
    const hit = this.entries.get(name);
    return hit && now - hit.at < this.ttlMs ? hit.info : undefined;
  }

  set(name: string, info: TopicInfo, now: number): void {
    this.entries.delete(name); // re-insert: Map order is then oldest first
    this.entries.set(name, { info, at: now });
    if (this.entries.size <= this.maxEntries) return;
    for (const [key, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }

  delete(name: string): void {
    this.entries.delete(name);
  }

  get size(): number {
    return this.entries.size;
  }
}
