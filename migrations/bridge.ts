import type { Migration } from "../src/storage";

/** One BridgeDO per bridge (issue 18). Versions 50–59 are this object's. */
export const bridgeMigrations: Migration[] = [
  {
    version: 50,
    name: "bridge",
    sql: `
      -- The bridge itself: its spec (without the password), the password sealed with AES-GCM,
      -- what the user asked for (running/stopped), what the pump last saw, and totals moved.
      CREATE TABLE bridge (
        id             INTEGER PRIMARY KEY CHECK (id = 1),
        spec           TEXT NOT NULL,
        sealed_password TEXT,
        desired        TEXT NOT NULL,       -- 'running' | 'stopped'
        status         TEXT NOT NULL,       -- CONNECTED | DISCONNECTED | ERROR
        last_error     TEXT,
        last_error_at  INTEGER,
        failures       INTEGER NOT NULL DEFAULT 0,
        records        INTEGER NOT NULL DEFAULT 0,
        bytes          INTEGER NOT NULL DEFAULT 0,
        producer_id    INTEGER,
        producer_epoch INTEGER,
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL
      );
      -- Per mapping: where the pump resumes. Source: the broker's own id of the last record
      -- written to our topic, and the staged batch (records with partitions and producer
      -- sequences) that is resent as is after a crash, so the partitions answer it as a duplicate.
      CREATE TABLE checkpoints (
        external TEXT NOT NULL,
        topic    TEXT NOT NULL,
        cursor   TEXT,
        pending  TEXT,
        lag      INTEGER,
        PRIMARY KEY (external, topic)
      );
      -- Source: the idempotent producer's next sequence per partition of our topics.
      CREATE TABLE sequences (
        topic     TEXT NOT NULL,
        partition INTEGER NOT NULL,
        next_seq  INTEGER NOT NULL,
        PRIMARY KEY (topic, partition)
      );
    `,
  },
  {
    version: 55,
    name: "bridge_dedupe",
    sql: `
      -- Push-broker sources (MQTT, AMQP): keys (MQTT packet id, AMQP message_id) of records
      -- committed into our topic whose acknowledgement the broker may not have received yet. A
      -- redelivered message whose key is here is acknowledged again and not written twice.
      -- Bounded by BRIDGE_DEDUPE_TTL_MS and BRIDGE_DEDUPE_MAX.
      CREATE TABLE dedupe (
        external TEXT NOT NULL,
        key      TEXT NOT NULL,
        at       INTEGER NOT NULL,
        PRIMARY KEY (external, key)
      );
      CREATE INDEX dedupe_at ON dedupe (at);
    `,
  },
];
