import type { Migration } from "../src/storage";

/** Schema of a TxnCoordinator: one transactional id's producer and its current transaction (issue 12). */
export const txnMigrations: Migration[] = [
  {
    version: 1,
    name: "transaction state",
    sql: `
      -- A single row. state is Kafka's: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit,
      -- CompleteAbort. partitions: JSON [{topic_id, topic, partition}] added to the open transaction.
      -- The decision (Prepare*) is written here before any marker goes to a partition, so the
      -- alarm can re-drive the markers after a crash.
      CREATE TABLE txn (
        id             INTEGER PRIMARY KEY CHECK (id = 1),
        transactional_id TEXT NOT NULL,
        producer_id    INTEGER NOT NULL,
        producer_epoch INTEGER NOT NULL,
        state          TEXT NOT NULL,
        timeout_ms     INTEGER NOT NULL,
        started_at     INTEGER,
        partitions     TEXT NOT NULL DEFAULT '[]',
        updated_at     INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "transactional offsets",
    sql: `
      -- sendOffsetsToTransaction: JSON [{group_id, offsets: [{topic, partition, offset, metadata}],
      -- topic_ids}], committed to each group by the commit's markers, dropped by an abort.
      ALTER TABLE txn ADD COLUMN offsets TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 6,
    name: "idempotency records",
    sql: `
      -- ExactlyOnceContext.withIdempotency (issue 12): one row per unit-of-work id, in the object
      -- named idempotency/<id>. state: 'claimed' (holder runs it now, or died running it) or
      -- 'completed' (result: its JSON answer). A completed row is kept until expires_at.
      CREATE TABLE idempotency (
        id           TEXT PRIMARY KEY,
        state        TEXT NOT NULL,
        holder       TEXT NOT NULL,
        claimed_at   INTEGER NOT NULL,
        completed_at INTEGER,
        result       TEXT,
        expires_at   INTEGER
      );
    `,
  },
  {
    version: 7,
    name: "transaction numbers",
    sql: `
      -- Counts the transactions of this transactional id (never reset, also across epochs). A
      -- transactional append carries the number of the transaction it was added to, and a marker
      -- carries the number it ends, so a partition refuses an append that arrives after its
      -- transaction's marker instead of opening a transaction nobody will end (issue 12).
      ALTER TABLE txn ADD COLUMN txn_seq INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 8,
    name: "lost answers",
    sql: `
      -- The Upstash-style surface (issue 19): the answer of a write whose client went away before
      -- receiving it, by the request's fingerprint (SHA-256 of credentials, method, path, Kafka-*
      -- headers and body), in the object named upstash-lost/<shard>. The official client resends a
      -- failed call byte for byte; the first resend before expires_at gets this answer (and the row
      -- goes), so the write is not done twice. Rows exist only for undelivered answers. status 0:
      -- the client went and the write is still running (its answer is on the way).
      CREATE TABLE lost_answers (
        fingerprint TEXT PRIMARY KEY,
        status      INTEGER NOT NULL,
        body        TEXT NOT NULL,
        expires_at  INTEGER NOT NULL
      );
      CREATE INDEX lost_answers_expiry ON lost_answers (expires_at);
    `,
  },
];
