import type { Migration } from "../src/storage";

/**
 * Schema of a PartitionDO: one topic partition's hot log and its state.
 *
 * Issue 9 (binary keys, header lists) needed no migration: `records.key` is declared TEXT, and
 * SQLite keeps a BLOB as a BLOB in a TEXT-affinity column (only numbers are converted), so a
 * binary key is stored as bytes and read back as an ArrayBuffer; `headers` stays JSON text, now
 * either the old `{name: value}` map or a `[{key, value, value_encoding?}]` list. Rows written
 * before read exactly as they did.
 */
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
    name: "r2 garbage, segment totals and index lookups",
    sql: `
      -- R2 objects that must go: segments dropped from the index by retention or a topic delete,
      -- and the object of a roll that has not (or must never) become a segment. A key is added in
      -- the same transaction as the index change (for a roll: before its put), and the alarm
      -- deletes the objects in batches of R2's 1,000-key limit, then the rows. A crash anywhere
      -- leaves the row, so the next alarm finishes the job: no R2 object is ever orphaned.
      CREATE TABLE r2_garbage (
        object_key TEXT PRIMARY KEY,
        since      INTEGER NOT NULL
      );

      -- Running totals of the segment index, kept by triggers in the same transaction as every
      -- change, so describe, /stats and retention.bytes never sum the whole index.
      CREATE TABLE segment_totals (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        segments     INTEGER NOT NULL,
        records      INTEGER NOT NULL,
        bytes        INTEGER NOT NULL,
        record_bytes INTEGER NOT NULL
      );
      INSERT INTO segment_totals
        SELECT 1, count(*), coalesce(sum(record_count), 0), coalesce(sum(bytes), 0), coalesce(sum(record_bytes), 0) FROM segments;
      CREATE TRIGGER segments_total_insert AFTER INSERT ON segments BEGIN
        UPDATE segment_totals SET segments = segments + 1, records = records + NEW.record_count,
          bytes = bytes + NEW.bytes, record_bytes = record_bytes + NEW.record_bytes WHERE id = 1;
      END;
      CREATE TRIGGER segments_total_delete AFTER DELETE ON segments BEGIN
        UPDATE segment_totals SET segments = segments - 1, records = records - OLD.record_count,
          bytes = bytes - OLD.bytes, record_bytes = record_bytes - OLD.record_bytes WHERE id = 1;
      END;

      -- A read finds its segment by last_offset; the alarm finds segments owed to cold without
      -- scanning the ones already handed over.
      CREATE INDEX segments_by_last_offset ON segments (last_offset);
      CREATE INDEX segments_owed_to_cold ON segments (base_offset) WHERE cold_state = 0;
    `,
  },
  {
    version: 4,
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
  {
    version: 5,
    name: "open transactions",
    sql: `
      -- Transactions with records here and no marker yet (issue 12): one per producer. The last
      -- stable offset is the lowest first_offset, else the high watermark; read_committed stops there.
      CREATE TABLE open_txns (
        producer_id    INTEGER PRIMARY KEY,
        producer_epoch INTEGER NOT NULL,
        first_offset   INTEGER NOT NULL
      );
      CREATE INDEX open_txns_by_first_offset ON open_txns (first_offset);
      -- The newest epoch a marker was written with, per transactional producer: an append from an
      -- older epoch (a zombie whose transaction was aborted on re-init) is fenced here.
      CREATE TABLE txn_epochs (
        producer_id    INTEGER PRIMARY KEY,
        producer_epoch INTEGER NOT NULL
      );
      -- Rows of one producer's open transaction are found by producer when its marker lands.
      CREATE INDEX records_open_txn ON records (producer_id, offset) WHERE txn_state = 1;
    `,
  },
  {
    version: 6,
    name: "ended transaction numbers",
    sql: `
      -- The coordinator's number of the last transaction a marker ended here, per producer: an
      -- append of that transaction (or an older one) arriving after its marker is refused, so it
      -- cannot hold the last stable offset forever (issue 12). NULL: markers from before numbering.
      ALTER TABLE txn_epochs ADD COLUMN last_txn INTEGER;
    `,
  },
  {
    version: 10,
    name: "compaction: key view and cleaner state",
    sql: `
      -- Issue 13: the latest committed record of every key, kept in the append's transaction (and
      -- in the commit marker's, for transactional records) on compacted topics. key has no type,
      -- so a text key stays TEXT and a binary key stays a BLOB (two different keys). value NULL is
      -- a tombstone: the key reads as absent, and the cleaner knows the tombstone's offset.
      CREATE TABLE key_view (
        key        PRIMARY KEY NOT NULL,
        offset     INTEGER NOT NULL,
        timestamp  INTEGER NOT NULL,
        value,
        headers    TEXT
      );
      -- One row: view_start is the first offset the view covers (records below it, written
      -- before the topic was compacted, are never removed for want of a view row); cleaned_through
      -- is Kafka's cleaner checkpoint (everything below it is clean: the dirty ratio counts the rest).
      CREATE TABLE compaction_state (
        id               INTEGER PRIMARY KEY CHECK (id = 1),
        view_start       INTEGER NOT NULL,
        cleaned_through  INTEGER NOT NULL DEFAULT 0,
        runs             INTEGER NOT NULL DEFAULT 0,
        removed_records  INTEGER NOT NULL DEFAULT 0,
        removed_bytes    INTEGER NOT NULL DEFAULT 0
      );
      INSERT INTO compaction_state (id, view_start) SELECT 1, coalesce((SELECT next_offset FROM partition_state WHERE id = 1), 0);
    `,
  },
  {
    version: 20,
    name: "realtime watchers",
    sql: `
      -- Realtime hubs (issue 15) that read this partition: woken after an append. Kept across
      -- restarts so a hibernated hub's WebSocket subscribers are still woken; a hub that answers
      -- a wake with "not watching" is removed.
      CREATE TABLE realtime_watchers (
        hub TEXT PRIMARY KEY
      );
    `,
  },
  {
    version: 23,
    name: "sealed partitions",
    sql: `
      -- 1 once an append sealed the partition (a Durable Stream's close, issue 19), in the same
      -- transaction as that append's records: every later append is refused, so no record can
      -- land after the closing one.
      ALTER TABLE partition_state ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
