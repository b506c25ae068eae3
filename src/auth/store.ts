import type { SqlStore } from "../storage";
import type { AclBinding } from "./acl";
import { parseEntitlement, type Entitlement } from "./principal";

export interface ApiKeyInfo {
  keyId: string;
  name: string;
  roles: string[];
  entitlements: string[];
  createdAt: number;
  revokedAt: number | null;
}

/** What a key lookup answers: the key's principal facts, or null when unknown or revoked. */
export interface KeyPrincipal {
  keyId: string;
  secretHash: string;
  roles: string[];
  entitlements: Entitlement[];
}

interface KeyRow {
  key_id: string;
  secret_hash: string;
  name: string;
  roles: string;
  entitlements: string;
  created_at: number;
  revoked_at: number | null;
  [k: string]: SqlStorageValue;
}

interface BindingRow {
  binding_id: string;
  principal: string;
  resource: string;
  name: string;
  prefix: number;
  operation: string;
  permission: string;
  [k: string]: SqlStorageValue;
}

const keyInfo = (r: KeyRow): ApiKeyInfo => ({
  keyId: r.key_id, name: r.name, roles: JSON.parse(r.roles), entitlements: JSON.parse(r.entitlements), createdAt: r.created_at, revokedAt: r.revoked_at,
});

/** API keys and ACL bindings in the catalog's SQLite (migration 30). Secrets never reach this table. */
export class AuthStore {
  constructor(private readonly storage: SqlStore) {}

  addKey(k: { keyId: string; secretHash: string; name: string; roles: string[]; entitlements: string[] }, now: number): ApiKeyInfo {
    this.storage.sql.exec(
      "INSERT INTO api_keys (key_id, secret_hash, name, roles, entitlements, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      k.keyId, k.secretHash, k.name, JSON.stringify(k.roles), JSON.stringify(k.entitlements), now,
    );
    return { keyId: k.keyId, name: k.name, roles: k.roles, entitlements: k.entitlements, createdAt: now, revokedAt: null };
  }

  listKeys(): ApiKeyInfo[] {
    return this.storage.sql.exec<KeyRow>("SELECT * FROM api_keys ORDER BY created_at, key_id").toArray().map(keyInfo);
  }

  /** Revoking is idempotent and keeps the row (who had which key stays auditable). */
  revokeKey(keyId: string, now: number): ApiKeyInfo | null {
    this.storage.sql.exec("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", now, keyId);
    const row = this.storage.sql.exec<KeyRow>("SELECT * FROM api_keys WHERE key_id = ?", keyId).toArray()[0];
    return row ? keyInfo(row) : null;
  }

  /** A live key's facts; the caller compares the hash (so this object never sees a secret). */
  lookupKey(keyId: string): KeyPrincipal | null {
    const row = this.storage.sql.exec<KeyRow>("SELECT * FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", keyId).toArray()[0];
    if (!row) return null;
    const entitlements = (JSON.parse(row.entitlements) as string[]).map(parseEntitlement).filter((e): e is Entitlement => e !== null);
    return { keyId: row.key_id, secretHash: row.secret_hash, roles: JSON.parse(row.roles), entitlements };
  }

  addBinding(b: AclBinding, now: number): AclBinding {
    this.storage.sql.exec(
      "INSERT INTO acl_bindings (binding_id, principal, resource, name, prefix, operation, permission, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      b.id, b.principal, b.type, b.name, b.prefix ? 1 : 0, b.operation, b.permission, now,
    );
    return b;
  }

  listBindings(): AclBinding[] {
    return this.storage.sql.exec<BindingRow>("SELECT * FROM acl_bindings ORDER BY created_at, binding_id").toArray().map((r) => ({
      id: r.binding_id, principal: r.principal, type: r.resource as AclBinding["type"], name: r.name, prefix: r.prefix === 1,
      operation: r.operation as AclBinding["operation"], permission: r.permission as AclBinding["permission"],
    }));
  }

  deleteBinding(id: string): boolean {
    return this.storage.sql.exec("DELETE FROM acl_bindings WHERE binding_id = ?", id).rowsWritten > 0;
  }
}
