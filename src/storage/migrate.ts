import type { Sql } from "./sql";

/**
 * Applies numbered SQL migrations to a Durable Object's SQLite, once each, in order.
 * Called from the constructor under `blockConcurrencyWhile`, so no request sees a half-built schema.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function migrate(sql: Sql, migrations: readonly Migration[]): number {
  sql.exec("CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const row = sql.exec<{ v: number | null }>("SELECT max(version) AS v FROM _migrations").one();
  const current = row.v ?? 0;
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    sql.exec(m.sql);
    sql.exec("INSERT INTO _migrations (version, name, applied_at) VALUES (?, ?, ?)", m.version, m.name, Date.now());
  }
  return migrations.length ? Math.max(current, ...migrations.map((m) => m.version)) : current;
}
