/**
 * The schema history of one topic incarnation: discovered versions (stored only when the shape
 * differs from the latest version) and registered versions (PUT), which turn on enforcement.
 * Plain logic over the DO's SQLite (src/objects/schema-registry.ts is the thin object around it).
 */
import { fail, type Result } from "../core/errors";
import { MAX_REGISTERED_SCHEMA_BYTES } from "../core/limits";
import type { TopicInfo } from "../catalog/types";
import type { SqlStore } from "../storage";
import { allowedUnder, diffSchemas, type Compatibility, type SchemaChange } from "./diff";
import { schemaProblem, type JsonSchema } from "./json-schema";
import type { InferredSchema } from "./types";
import { RecordValidator } from "./validate";

export type VersionSource = "discovered" | "registered";

export interface VersionSummary {
  version: number;
  source: VersionSource;
  createdAt: number;
  /** Against the previous version; null for version 1. */
  compatibility: Compatibility | null;
  /** Records sampled (discovered versions). */
  records: number | null;
  /** Compatibility mode in force (registered versions). */
  mode: Compatibility | null;
}

export interface VersionDetail extends VersionSummary {
  jsonSchema: JsonSchema | boolean;
  changes: SchemaChange[];
  inferred: InferredSchema | null;
}

export interface EnforcedSchema {
  version: number;
  jsonSchema: JsonSchema | boolean;
  mode: Compatibility;
}

interface VersionRow {
  version: number;
  source: VersionSource;
  fingerprint: string;
  json_schema: string;
  inferred: string | null;
  records: number | null;
  mode: Compatibility | null;
  compatibility: Compatibility | null;
  changes: string;
  created_at: number;
  [key: string]: SqlStorageValue;
}

/** Schema Registry's default mode. */
export const DEFAULT_COMPATIBILITY: Compatibility = "BACKWARD";

export class SchemaHistory {
  constructor(private readonly storage: SqlStore) {}

  /** Stores a discovery when its shape differs from the latest version; answers the version it matches. */
  recordDiscovery(inferred: InferredSchema, jsonSchema: JsonSchema, now: number): { version: VersionDetail; created: boolean } {
    this.setMeta("last_discovery_at", String(now));
    const fingerprint = canonical(jsonSchema);
    const last = this.latest();
    // Nothing sampled says nothing about the shape: keep the latest version rather than store "anything".
    if (last && (last.fingerprint === fingerprint || inferred.records === 0)) return { version: detail(last), created: false };
    const row = this.insert("discovered", fingerprint, jsonSchema, last, now, { inferred, records: inferred.records, mode: null });
    return { version: detail(row), created: true };
  }

  /**
   * Registers a schema and enforces it on produce. Under `mode` (default: the mode in force, else
   * BACKWARD) the change from the latest registered schema must be allowed, or nothing changes.
   */
  register(jsonSchema: unknown, requestedMode: Compatibility | undefined, now: number): Result<{ version: VersionDetail; created: boolean }> {
    const problem = schemaProblem(jsonSchema);
    if (problem) return fail("INVALID_SCHEMA", `not a usable JSON Schema: ${problem}`, "schema");
    const text = JSON.stringify(jsonSchema);
    if (text.length > MAX_REGISTERED_SCHEMA_BYTES) return fail("INVALID_SCHEMA", `schema is ${text.length} bytes; at most ${MAX_REGISTERED_SCHEMA_BYTES}`, "schema");
    try {
      new RecordValidator(jsonSchema as JsonSchema);
    } catch (err) {
      return fail("INVALID_SCHEMA", `schema does not compile: ${(err as Error).message}`, "schema");
    }
    const previous = this.latestRegistered();
    const mode = requestedMode ?? previous?.mode ?? DEFAULT_COMPATIBILITY;
    const fingerprint = canonical(jsonSchema);
    if (previous && previous.fingerprint === fingerprint && previous.mode === mode && this.meta("enforced") === "1") {
      return { ok: true, version: detail(previous), created: false };
    }
    if (previous && mode !== "NONE") {
      const diff = diffSchemas(JSON.parse(previous.json_schema), jsonSchema);
      if (!allowedUnder(mode, diff.compatibility)) {
        const first = diff.changes.find((c) => (mode === "BACKWARD" ? !c.backward : mode === "FORWARD" ? !c.forward : !(c.backward && c.forward)));
        return fail(
          "INCOMPATIBLE_SCHEMA",
          `schema is ${diff.compatibility} compatible with version ${previous.version}; mode ${mode} requires ${mode === "FULL" ? "FULL" : `${mode} or FULL`}` +
            (first ? ` (${first.kind} at '${first.path}')` : ""),
          first ? `schema.${first.path}` : "schema",
          { compatibility: diff.compatibility, mode, against_version: previous.version },
        );
      }
    }
    const last = this.latest();
    const row = this.storage.transactionSync(() => {
      const r = this.insert("registered", fingerprint, jsonSchema as JsonSchema, last, now, { inferred: null, records: null, mode });
      this.setMeta("enforced", "1");
      return r;
    });
    return { ok: true, version: detail(row), created: true };
  }

  /** Stops enforcing (versions stay). Answers whether a schema was enforced. */
  unregister(): boolean {
    const was = this.meta("enforced") === "1";
    this.setMeta("enforced", "0");
    return was;
  }

  enforced(): EnforcedSchema | null {
    if (this.meta("enforced") !== "1") return null;
    const r = this.latestRegistered();
    return r ? { version: r.version, jsonSchema: JSON.parse(r.json_schema), mode: r.mode ?? DEFAULT_COMPATIBILITY } : null;
  }

  versions(): VersionSummary[] {
    return this.storage.sql
      .exec<VersionRow>("SELECT version, source, created_at, compatibility, records, mode FROM versions ORDER BY version")
      .toArray()
      .map(summary);
  }

  version(n: number): VersionDetail | null {
    const row = this.storage.sql.exec<VersionRow>("SELECT * FROM versions WHERE version = ?", n).toArray()[0];
    return row ? detail(row) : null;
  }

  meta(key: string): string | null {
    return this.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.storage.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  private latest(): VersionRow | undefined {
    return this.storage.sql.exec<VersionRow>("SELECT * FROM versions ORDER BY version DESC LIMIT 1").toArray()[0];
  }

  private latestRegistered(): VersionRow | undefined {
    return this.storage.sql.exec<VersionRow>("SELECT * FROM versions WHERE source = 'registered' ORDER BY version DESC LIMIT 1").toArray()[0];
  }

  private insert(
    source: VersionSource,
    fingerprint: string,
    jsonSchema: JsonSchema | boolean,
    previous: VersionRow | undefined,
    now: number,
    extra: { inferred: InferredSchema | null; records: number | null; mode: Compatibility | null },
  ): VersionRow {
    const diff = previous ? diffSchemas(JSON.parse(previous.json_schema), jsonSchema) : null;
    const version = (previous?.version ?? 0) + 1;
    const row: VersionRow = {
      version,
      source,
      fingerprint,
      json_schema: JSON.stringify(jsonSchema),
      inferred: extra.inferred ? JSON.stringify(extra.inferred) : null,
      records: extra.records,
      mode: extra.mode,
      compatibility: diff?.compatibility ?? null,
      changes: JSON.stringify(diff?.changes ?? []),
      created_at: now,
    };
    this.storage.sql.exec(
      "INSERT INTO versions (version, source, fingerprint, json_schema, inferred, records, mode, compatibility, changes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      row.version, row.source, row.fingerprint, row.json_schema, row.inferred, row.records, row.mode, row.compatibility, row.changes, row.created_at,
    );
    return row;
  }
}

function summary(r: VersionRow): VersionSummary {
  return { version: r.version, source: r.source, createdAt: r.created_at, compatibility: r.compatibility, records: r.records, mode: r.mode };
}

function detail(r: VersionRow): VersionDetail {
  return {
    ...summary(r),
    jsonSchema: JSON.parse(r.json_schema),
    changes: JSON.parse(r.changes),
    inferred: r.inferred ? JSON.parse(r.inferred) : null,
  };
}

/**
 * JSON with object keys sorted, so equal schemas have equal text whatever their key order. The
 * sets `required` and `type` are sorted too: a sample that meets keys in another order is the same shape.
 */
export function canonical(v: unknown, key?: string): string {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x));
    return `[${(key === "required" || key === "type" ? items.sort() : items).join(",")}]`;
  }
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k], k)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** What the registry keeps of a topic to run periodic discovery on its own. */
export type TopicFacts = ReturnType<typeof topicFacts>;

export function topicFacts(topic: TopicInfo) {
  return { name: topic.name, topicId: topic.topicId, discoveryIntervalMs: topic.config["schema.discovery.interval.ms"] };
}

