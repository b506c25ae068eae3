import type { Migration } from "../src/storage";

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
    name: "object summaries",
    sql: `
      -- What partitions and groups last reported about themselves (src/stats/summaries.ts), so
      -- /stats and the group list read this one table instead of calling every object. A row is
      -- replaced only by a newer version; owner is the topic incarnation id or the group id.
      CREATE TABLE summaries (
        kind    TEXT NOT NULL,             -- 'partition' | 'group'
        id      TEXT NOT NULL,             -- '{topicId}/{partition}' | group id
        owner   TEXT NOT NULL,
        version INTEGER NOT NULL,
        body    TEXT NOT NULL,             -- JSON of the summary
        PRIMARY KEY (kind, id)
      );
      CREATE INDEX summaries_by_owner ON summaries (owner);
    `,
  },
  {
    version: 4,
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
  {
    version: 50,
    name: "bridges registry",
    sql: `
      -- Issue 18: the list of bridges (each is its own BridgeDO) and the local credential key.
      CREATE TABLE bridges (
        name       TEXT PRIMARY KEY,
        platform   TEXT NOT NULL,
        direction  TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- Only used when the Worker secret BRIDGE_KEY is not set (local dev): generated once, kept here.
      CREATE TABLE bridge_key (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL);
    `,
  },
  {
    version: 30,
    name: "api keys and acl bindings",
    sql: `
      -- Issue 16: API keys, stored as the SHA-256 of their secret (the secret is shown once).
      CREATE TABLE api_keys (
        key_id       TEXT PRIMARY KEY,
        secret_hash  TEXT NOT NULL,         -- hex SHA-256 of the key's secret part
        name         TEXT NOT NULL,
        roles        TEXT NOT NULL,         -- JSON array
        entitlements TEXT NOT NULL,         -- JSON array of 'type:name:operation'
        created_at   INTEGER NOT NULL,
        revoked_at   INTEGER
      );
      -- Kafka-ACL-like bindings: principal, resource (type, exact name or prefix), operation, allow/deny.
      CREATE TABLE acl_bindings (
        binding_id  TEXT PRIMARY KEY,
        principal   TEXT NOT NULL,
        resource    TEXT NOT NULL,          -- topic | group | cluster | transactional_id
        name        TEXT NOT NULL,
        prefix      INTEGER NOT NULL,       -- 1: name is a prefix
        operation   TEXT NOT NULL,
        permission  TEXT NOT NULL,          -- allow | deny
        created_at  INTEGER NOT NULL
      );
    `,
  },
];
