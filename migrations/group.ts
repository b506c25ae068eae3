import type { Migration } from "../src/storage";

/** Schema of a GroupCoordinator: one consumer group's membership, generation and committed offsets. */
export const groupMigrations: Migration[] = [
  {
    version: 1,
    name: "group, members, offsets",
    sql: `
      CREATE TABLE group_meta (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        group_id    TEXT NOT NULL,
        generation  INTEGER NOT NULL DEFAULT 0,
        assignor    TEXT,
        next_seq    INTEGER NOT NULL DEFAULT 0,   -- join order: the oldest member leads
        created_at  INTEGER NOT NULL
      );
      -- Partition lists are JSON arrays of "topic:partition" (':' is not legal in a topic name).
      CREATE TABLE members (
        member_id            TEXT PRIMARY KEY,
        group_instance_id    TEXT UNIQUE,
        topics               TEXT NOT NULL,
        session_timeout_ms   INTEGER NOT NULL,
        rebalance_timeout_ms INTEGER NOT NULL,
        join_seq             INTEGER NOT NULL,
        last_seen            INTEGER NOT NULL,
        member_generation    INTEGER NOT NULL,
        target               TEXT NOT NULL,   -- what the assignor wants this member to own
        assigned             TEXT NOT NULL,   -- what the member was last told it owns
        revoking             TEXT NOT NULL,   -- taken away in the last answer, not yet acknowledged
        revoking_since       INTEGER
      );
      -- Metadata the current generation's assignment was computed from.
      CREATE TABLE subscribed_topics (
        topic      TEXT PRIMARY KEY,
        topic_id   TEXT NOT NULL,
        partitions INTEGER NOT NULL
      );
      -- Kafka's convention: the committed offset is the next offset to read.
      CREATE TABLE offsets (
        topic        TEXT NOT NULL,
        partition    INTEGER NOT NULL,
        topic_id     TEXT NOT NULL,               -- incarnation: a re-created topic starts uncommitted
        offset       INTEGER NOT NULL,
        metadata     TEXT,
        committed_at INTEGER NOT NULL,
        PRIMARY KEY (topic, partition)
      );
    `,
  },
  {
    version: 30,
    name: "member owners",
    sql: `
      -- Issue 16: the principal that joined as each member; only it (or an admin) may act as it.
      CREATE TABLE member_owners (member_id TEXT PRIMARY KEY, principal TEXT NOT NULL);
    `,
  },
];
