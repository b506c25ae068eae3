import type { Migration } from "../src/log/migrator";

/** Schema of the TopicCatalog: topics, their incarnations and configs, and pending partition work. */
export const catalogMigrations: Migration[] = [
  {
    version: 1,
    name: "topics and outbox",
    sql: `
      CREATE TABLE topics (
        name       TEXT PRIMARY KEY,
        topic_id   TEXT NOT NULL UNIQUE,   -- incarnation id: a re-created topic gets a new one
        partitions INTEGER NOT NULL,
        config     TEXT NOT NULL,          -- JSON of explicitly set config keys
        created_at INTEGER NOT NULL
      );
      -- Work owed to partition objects (init, config push, destroy). Drained right away and,
      -- after a crash, by the alarm: every op is idempotent, so repeating one is harmless.
      CREATE TABLE outbox (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        topic_id  TEXT NOT NULL,
        partition INTEGER NOT NULL,
        op        TEXT NOT NULL,           -- 'init' | 'config' | 'destroy'
        payload   TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "consumer group registry",
    sql: `
      -- Group ids known to exist, so GET /v1/groups can list them (each group is its own object).
      CREATE TABLE groups (group_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
    `,
  },
  {
    version: 3,
    name: "producer ids",
    sql: `
      -- Issue 12: producer ids are allocated here, durably, so no two producers ever share one.
      CREATE TABLE producer_id_block (id INTEGER PRIMARY KEY CHECK (id = 1), next_id INTEGER NOT NULL);
      INSERT INTO producer_id_block (id, next_id) VALUES (1, 1);
      -- A transactional id keeps its producer id; each re-initialisation bumps the epoch (fencing).
      CREATE TABLE transactional_producers (
        transactional_id TEXT PRIMARY KEY,
        producer_id      INTEGER NOT NULL,
        producer_epoch   INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL
      );
    `,
  },
];
