import type { Migration } from "../src/log/migrator";

/** Schema of a PartitionDO: one topic partition's hot log and its state. */
export const partitionMigrations: Migration[] = [
  {
    version: 1,
    name: "records and partition state",
    sql: `
      -- One row per record. value is TEXT (JSON text), BLOB (binary) or NULL (tombstone).
      CREATE TABLE records (
        offset      INTEGER PRIMARY KEY,
        timestamp   INTEGER NOT NULL,
        key         TEXT,
        value,
        headers     TEXT,
        size        INTEGER NOT NULL,
        producer_id INTEGER,
        producer_epoch INTEGER,
        sequence    INTEGER,
        txn_state   INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX records_by_timestamp ON records (timestamp);

      -- A single row: who this partition is, its config and its offsets.
      CREATE TABLE partition_state (
        id               INTEGER PRIMARY KEY CHECK (id = 1),
        topic_id         TEXT NOT NULL,
        topic            TEXT NOT NULL,
        partition        INTEGER NOT NULL,
        status           TEXT NOT NULL,      -- 'active' | 'deleted'
        config           TEXT NOT NULL,      -- JSON of the effective topic config
        log_start_offset INTEGER NOT NULL DEFAULT 0,
        next_offset      INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
];
