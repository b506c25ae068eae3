import { fail, type Result } from "../core/errors";

export interface BridgeEntry {
  name: string;
  platform: string;
  direction: string;
  created_at: number;
}

/** The list of bridges (issue 18), kept by the catalog; each bridge's state is its own BridgeDO. */
export class BridgeRegistry {
  constructor(private readonly sql: SqlStorage) {}

  register(name: string, platform: string, direction: string, now: number): Result<object> {
    const exists = this.sql.exec("SELECT 1 FROM bridges WHERE name = ?", name).toArray().length > 0;
    if (exists) return fail("BRIDGE_ALREADY_EXISTS", `bridge '${name}' already exists`, "name");
    this.sql.exec("INSERT INTO bridges (name, platform, direction, created_at) VALUES (?, ?, ?, ?)", name, platform, direction, now);
    return { ok: true };
  }

  unregister(name: string): boolean {
    return this.sql.exec("DELETE FROM bridges WHERE name = ?", name).rowsWritten > 0;
  }

  has(name: string): boolean {
    return this.sql.exec("SELECT 1 FROM bridges WHERE name = ?", name).toArray().length > 0;
  }

  list(): BridgeEntry[] {
    return this.sql.exec<BridgeEntry & Record<string, SqlStorageValue>>("SELECT name, platform, direction, created_at FROM bridges ORDER BY name").toArray();
  }

  /** The local credential key (no BRIDGE_KEY secret): made once, then the same one for good. */
  localKey(generate: () => string): string {
    const row = this.sql.exec<{ key: string }>("SELECT key FROM bridge_key WHERE id = 1").toArray()[0];
    if (row) return row.key;
    const key = generate();
    this.sql.exec("INSERT INTO bridge_key (id, key) VALUES (1, ?)", key);
    return key;
  }
}
