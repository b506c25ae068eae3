import type { SqlStore } from "../storage";
import type { WireRecord } from "../api/wire";
import { BRIDGE_DEDUPE_MAX, BRIDGE_DEDUPE_TTL_MS } from "../core/limits";
import type { BridgeSpec, BridgeStatus } from "./types";

/** A source batch staged before it is produced: resent as is after a crash (same partitions, same sequences). */
export interface PendingBatch {
  cursor: string | null;
  records: WireRecord[];
  baseSequences: Record<string, number>;
  bytes: number;
  /** Push brokers: the records' dedupe keys, remembered when the batch commits. */
  dedupe?: string[];
}

interface BridgeRow {
  spec: string;
  sealed_password: string | null;
  desired: string;
  status: string;
  last_error: string | null;
  last_error_at: number | null;
  failures: number;
  records: number;
  bytes: number;
  producer_id: number | null;
  producer_epoch: number | null;
  created_at: number;
  updated_at: number;
  [key: string]: SqlStorageValue;
}

export interface BridgeState {
  spec: BridgeSpec;
  sealedPassword: string | null;
  desired: "running" | "stopped";
  status: BridgeStatus;
  lastError: string | null;
  lastErrorAt: number | null;
  failures: number;
  records: number;
  bytes: number;
  producer: { id: number; epoch: number } | null;
  createdAt: number;
  updatedAt: number;
}

/** The BridgeDO's tables (migrations/bridge.ts): one place for their SQL. */
export class BridgeStore {
  constructor(private readonly s: SqlStore) {}

  get(): BridgeState | null {
    const r = this.s.sql.exec<BridgeRow>("SELECT * FROM bridge WHERE id = 1").toArray()[0];
    if (!r) return null;
    return {
      spec: JSON.parse(r.spec) as BridgeSpec, sealedPassword: r.sealed_password, desired: r.desired as "running" | "stopped",
      status: r.status as BridgeStatus, lastError: r.last_error, lastErrorAt: r.last_error_at, failures: r.failures,
      records: r.records, bytes: r.bytes, producer: r.producer_id === null ? null : { id: r.producer_id, epoch: r.producer_epoch ?? 0 },
      createdAt: r.created_at, updatedAt: r.updated_at,
    };
  }

  create(spec: BridgeSpec, sealedPassword: string | null, now: number): void {
    this.s.sql.exec(
      "INSERT INTO bridge (id, spec, sealed_password, desired, status, created_at, updated_at) VALUES (1, ?, ?, 'running', 'DISCONNECTED', ?, ?)",
      JSON.stringify(spec), sealedPassword, now, now,
    );
  }

  /** A new spec: checkpoints of mappings no longer present go; kept mappings resume where they were. */
  replaceSpec(spec: BridgeSpec, sealedPassword: string | null, now: number): void {
    this.s.transactionSync(() => {
      this.s.sql.exec("UPDATE bridge SET spec = ?, sealed_password = ?, updated_at = ?, failures = 0 WHERE id = 1", JSON.stringify(spec), sealedPassword, now);
      const keep = new Set(spec.mapping.map((m) => `${m.external}\u0000${m.topic}`));
      for (const c of this.s.sql.exec<{ external: string; topic: string }>("SELECT external, topic FROM checkpoints").toArray()) {
        if (!keep.has(`${c.external}\u0000${c.topic}`)) this.s.sql.exec("DELETE FROM checkpoints WHERE external = ? AND topic = ?", c.external, c.topic);
      }
    });
  }

  setDesired(desired: "running" | "stopped", now: number): void {
    this.s.sql.exec("UPDATE bridge SET desired = ?, updated_at = ?, failures = CASE WHEN ? = 'running' THEN 0 ELSE failures END WHERE id = 1", desired, now, desired);
  }

  setStatus(status: BridgeStatus): void {
    this.s.sql.exec("UPDATE bridge SET status = ? WHERE id = 1", status);
  }

  /** A failed run: ERROR with the broker's reason; `failures` drives the backoff. */
  recordFailure(reason: string, now: number): number {
    this.s.sql.exec("UPDATE bridge SET status = 'ERROR', last_error = ?, last_error_at = ?, failures = failures + 1 WHERE id = 1", reason, now);
    return this.s.sql.exec<{ f: number }>("SELECT failures AS f FROM bridge WHERE id = 1").one().f;
  }

  recordSuccess(): void {
    this.s.sql.exec("UPDATE bridge SET status = 'CONNECTED', failures = 0 WHERE id = 1");
  }

  setProducer(id: number, epoch: number): void {
    this.s.transactionSync(() => {
      this.s.sql.exec("UPDATE bridge SET producer_id = ?, producer_epoch = ? WHERE id = 1", id, epoch);
      // A new producer id starts every partition's sequence at 0 (Kafka's rule for a new producer).
      this.s.sql.exec("DELETE FROM sequences");
      this.s.sql.exec("UPDATE checkpoints SET pending = NULL");
    });
  }

  checkpoint(external: string, topic: string): { cursor: string | null; pending: PendingBatch | null; lag: number | null } {
    const r = this.s.sql.exec<{ cursor: string | null; pending: string | null; lag: number | null }>(
      "SELECT cursor, pending, lag FROM checkpoints WHERE external = ? AND topic = ?", external, topic,
    ).toArray()[0];
    return { cursor: r?.cursor ?? null, pending: r?.pending ? (JSON.parse(r.pending) as PendingBatch) : null, lag: r?.lag ?? null };
  }

  nextSequences(topic: string): Map<number, number> {
    const rows = this.s.sql.exec<{ partition: number; next_seq: number }>("SELECT partition, next_seq FROM sequences WHERE topic = ?", topic).toArray();
    return new Map(rows.map((r) => [r.partition, r.next_seq]));
  }

  /** Stages a batch: from here on a crash resends exactly this batch. */
  stage(external: string, topic: string, batch: PendingBatch, lag: number | null): void {
    this.s.sql.exec(
      `INSERT INTO checkpoints (external, topic, cursor, pending, lag) VALUES (?, ?, NULL, ?, ?)
       ON CONFLICT (external, topic) DO UPDATE SET pending = excluded.pending, lag = excluded.lag`,
      external, topic, JSON.stringify(batch), lag,
    );
  }

  /** The staged batch is in our topic: advance the cursor, the sequences and the totals, in one transaction. */
  commitSource(external: string, topic: string, batch: PendingBatch, counts: Map<number, number>): void {
    this.s.transactionSync(() => {
      this.s.sql.exec("UPDATE checkpoints SET cursor = ?, pending = NULL WHERE external = ? AND topic = ?", batch.cursor, external, topic);
      for (const [p, n] of counts) {
        this.s.sql.exec(
          `INSERT INTO sequences (topic, partition, next_seq) VALUES (?, ?, ?)
           ON CONFLICT (topic, partition) DO UPDATE SET next_seq = next_seq + ?`,
          topic, p, n, n,
        );
      }
      this.addTotals(batch.records.length, batch.bytes);
      if (batch.dedupe?.length) this.remember(external, batch.dedupe);
    });
  }

  /** Of these dedupe keys, the ones of records already written into our topic (a redelivery of them adds nothing). */
  seen(external: string, keys: string[]): Set<string> {
    const out = new Set<string>();
    for (const key of keys) {
      if (this.s.sql.exec("SELECT 1 FROM dedupe WHERE external = ? AND key = ?", external, key).toArray().length) out.add(key);
    }
    return out;
  }

  /** The broker has these acknowledgements (or reuses the key for a new message): no redelivery can match them. */
  forget(external: string, keys: string[]): void {
    for (const key of keys) this.s.sql.exec("DELETE FROM dedupe WHERE external = ? AND key = ?", external, key);
  }

  /** Keys of a committed batch; the table stays bounded by age and count (oldest out). */
  private remember(external: string, keys: string[]): void {
    const now = Date.now();
    for (const key of keys) {
      this.s.sql.exec("INSERT INTO dedupe (external, key, at) VALUES (?, ?, ?) ON CONFLICT (external, key) DO UPDATE SET at = excluded.at", external, key, now);
    }
    this.s.sql.exec("DELETE FROM dedupe WHERE at < ?", now - BRIDGE_DEDUPE_TTL_MS);
    const n = this.s.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM dedupe").one().n;
    if (n > BRIDGE_DEDUPE_MAX) {
      this.s.sql.exec("DELETE FROM dedupe WHERE rowid IN (SELECT rowid FROM dedupe ORDER BY at LIMIT ?)", n - BRIDGE_DEDUPE_MAX);
    }
  }

  /** Sink: the external broker acknowledged; totals move (the group holds the position). */
  addTotals(records: number, bytes: number): void {
    this.s.sql.exec("UPDATE bridge SET records = records + ?, bytes = bytes + ? WHERE id = 1", records, bytes);
  }

  setLag(external: string, topic: string, lag: number | null): void {
    this.s.sql.exec(
      `INSERT INTO checkpoints (external, topic, cursor, pending, lag) VALUES (?, ?, NULL, NULL, ?)
       ON CONFLICT (external, topic) DO UPDATE SET lag = excluded.lag`,
      external, topic, lag,
    );
  }

  checkpoints(): Array<{ external: string; topic: string; cursor: string | null; lag: number | null; pending: boolean }> {
    return this.s.sql.exec<{ external: string; topic: string; cursor: string | null; lag: number | null; pending: string | null }>(
      "SELECT external, topic, cursor, lag, pending FROM checkpoints ORDER BY external, topic",
    ).toArray().map((r) => ({ external: r.external, topic: r.topic, cursor: r.cursor, lag: r.lag, pending: r.pending !== null }));
  }
}
