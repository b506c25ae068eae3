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
];
