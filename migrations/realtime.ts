import type { Migration } from "../src/storage";

/**
 * Schema of a RealtimeHub (issue 15). Only WebSocket subscriptions are stored: a hibernated hub
 * is rebuilt from them when a message, a close or a partition's wake brings it back. SSE streams
 * hold the hub awake and live in memory only (a restart ends them; EventSource reconnects).
 */
export const realtimeMigrations: Migration[] = [
  {
    version: 20,
    name: "hub name and WebSocket subscriptions",
    sql: `
      CREATE TABLE hub_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      -- spec: {topic, topicId, filter?, group?} as JSON; positions: {"partition": next offset}.
      CREATE TABLE ws_subs (
        conn      TEXT NOT NULL,
        id        TEXT NOT NULL,
        spec      TEXT NOT NULL,
        positions TEXT NOT NULL,
        PRIMARY KEY (conn, id)
      );
    `,
  },
];
