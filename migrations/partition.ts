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
  {
    version: 2,
    name: "warm segment index",
    sql: `
      -- One row per warm segment (a Parquet object in R2). Written in the same transaction that
      -- deletes the rolled records from the hot table, so a record is always in exactly one tier.
      CREATE TABLE segments (
        base_offset   INTEGER PRIMARY KEY,
        last_offset   INTEGER NOT NULL,
        min_timestamp INTEGER NOT NULL,
        max_timestamp INTEGER NOT NULL,
        record_count  INTEGER NOT NULL,
        bytes         INTEGER NOT NULL,     -- size of the Parquet object
        record_bytes  INTEGER NOT NULL,     -- sum of record sizes (retention.bytes counts these)
        object_key    TEXT NOT NULL,
        cold_state    INTEGER NOT NULL DEFAULT 0,  -- 0: owed to the cold sink, 1: handed over
        created_at    INTEGER NOT NULL
      );
      CREATE INDEX segments_by_max_timestamp ON segments (max_timestamp);
    `,
  },
  {
    version: 3,
    name: "idempotent producer state",
    sql: `
      -- One row per idempotent producer that wrote here (issue 12, Kafka's ProducerStateManager).
      -- Separate from records, so it survives rolls to warm; written in the append's transaction.
      -- batches: JSON of the last PRODUCER_BATCHES_RETAINED batches,
      --   [first_sequence, last_sequence, base_offset, timestamps (one number or an array), request_hash]
      CREATE TABLE producer_state (
        producer_id    INTEGER PRIMARY KEY,
        epoch          INTEGER NOT NULL,
        last_sequence  INTEGER NOT NULL,
        last_seen      INTEGER NOT NULL,
        batches        TEXT NOT NULL
      );
      CREATE INDEX producer_state_by_last_seen ON producer_state (last_seen);
    `,
  },
];
