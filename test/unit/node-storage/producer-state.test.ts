import { afterEach, describe, expect, it } from "vitest";
import { partitionMigrations } from "../../../migrations/partition";
import { effectiveConfig } from "../../../src/core/config";
import { DEFAULT_PRODUCER_ID_EXPIRATION_MS } from "../../../src/core/limits";
import { PartitionLog } from "../../../src/log/partition-log";
import { ProducerState } from "../../../src/log/producer-state";
import { BetterSqliteStore, migratedStore } from "../../support/better-sqlite3-store";

// Producer state expiry (producer.id.expiration.ms) needs a clock the test moves, so it runs here
// on better-sqlite3; test/workers/idempotence.test.ts covers the sequence rules through HTTP.
const stores: BetterSqliteStore[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

describe("ProducerState on better-sqlite3", () => {
  it("producer state expires after producer.id.expiration.ms of inactivity", async () => {
    const store = await migratedStore(partitionMigrations);
    stores.push(store);
    const log = new PartitionLog(store);
    log.init({ topicId: "t-1", topic: "orders", partition: 0, config: effectiveConfig({}) });
    const t0 = 1_000_000;
    const producer = { id: 42, epoch: 0, baseSequence: 0 };
    expect(log.append([{ key: null, value: "1", headers: null, timestamp: null }], t0, producer)).toMatchObject({ ok: true });
    const producers = new ProducerState(store.sql);
    const next = { ...producer, baseSequence: 1 };
    const later = t0 + DEFAULT_PRODUCER_ID_EXPIRATION_MS + 1_000;
    expect(producers.check(next, 1, t0 + 1, DEFAULT_PRODUCER_ID_EXPIRATION_MS)).toMatchObject({ kind: "append" });
    // Past the expiration the producer is unknown: the client must re-initialise (KIP-360).
    expect(producers.check(next, 1, later, DEFAULT_PRODUCER_ID_EXPIRATION_MS)).toMatchObject({ ok: false, error: { code: "UNKNOWN_PRODUCER_ID" } });
    expect(producers.expire(t0 + 1, DEFAULT_PRODUCER_ID_EXPIRATION_MS)).toBe(0);
    expect(producers.expire(later, DEFAULT_PRODUCER_ID_EXPIRATION_MS)).toBe(1);
    expect(producers.count()).toBe(0);
  });
});
