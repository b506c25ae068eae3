import type { Migration } from "../src/storage";

/** Schema of a SchemaRegistry (one per topic incarnation): schema versions and settings. */
export const schemaRegistryMigrations: Migration[] = [
  {
    version: 1,
    name: "schema versions",
    sql: `
      -- One history per topic: discovered schemas (a new row only when the shape changed) and
      -- registered ones (PUT), numbered together from 1.
      CREATE TABLE versions (
        version       INTEGER PRIMARY KEY,
        source        TEXT NOT NULL,           -- 'discovered' | 'registered'
        fingerprint   TEXT NOT NULL,           -- canonical JSON of json_schema: equal text, equal shape
        json_schema   TEXT NOT NULL,
        inferred      TEXT,                    -- discovered: the inferred schema with statistics
        records       INTEGER,                 -- discovered: records sampled
        mode          TEXT,                    -- registered: compatibility mode in force
        compatibility TEXT,                    -- against the previous version: BACKWARD | FORWARD | FULL | NONE
        changes       TEXT NOT NULL,           -- JSON array of SchemaChange
        created_at    INTEGER NOT NULL
      );
      -- topic, topic_id, discovery_interval_ms, enforced ('1' while a registered schema is enforced),
      -- last_discovery_at.
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
];
