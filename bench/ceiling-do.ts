import { DurableObject } from "cloudflare:workers";
import { SQLITE_MAX_PARAMS } from "../src/core/limits";
import type { Env } from "../src/env";

/** One bound parameter per row (the value); the id is SQLite's rowid. */
const ROWS_PER_INSERT = SQLITE_MAX_PARAMS;

/**
 * Bench only: the raw ceiling the engine is measured against. A plain SQLite table in a Durable
 * Object, written and read the cheapest way the platform allows — one transactionSync per request,
 * multi-row INSERTs, one indexed range scan per page — with none of the engine's work (topic
 * lookup, validation, offsets, headers, sizes, timestamp index). Whatever the engine achieves
 * above this line would be a measurement error.
 */
export class CeilingDO extends DurableObject<Env> {
  private readonly insertSql = new Map<number, string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)");
  }

  /** Appends `values` (JSON text) atomically; returns the id of the last row. */
  insert(values: string[]): { count: number; lastId: number } {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (let start = 0; start < values.length; start += ROWS_PER_INSERT) {
        const chunk = values.slice(start, start + ROWS_PER_INSERT);
        sql.exec(this.insertStatement(chunk.length), ...chunk);
      }
    });
    const lastId = sql.exec<{ id: number }>("SELECT last_insert_rowid() AS id").one().id;
    return { count: values.length, lastId };
  }

  /**
   * Rows with id >= `from`, at most `limit`, as one JSON array text built here — the same shape of
   * work as the engine's fetch, which also builds its JSON inside the partition object.
   */
  read(from: number, limit: number): { rowsJson: string; count: number; next: number } {
    const parts: string[] = [];
    let next = from;
    for (const row of this.ctx.storage.sql.exec<{ id: number; value: string }>("SELECT id, value FROM rows WHERE id >= ? ORDER BY id LIMIT ?", from, limit)) {
      parts.push(`{"id":${row.id},"value":${row.value}}`);
      next = row.id + 1;
    }
    return { rowsJson: `[${parts.join(",")}]`, count: parts.length, next };
  }

  count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM rows").one().n;
  }

  private insertStatement(rows: number): string {
    let sql = this.insertSql.get(rows);
    if (!sql) {
      sql = `INSERT INTO rows (value) VALUES ${Array(rows).fill("(?)").join(", ")}`;
      this.insertSql.set(rows, sql);
    }
    return sql;
  }
}
