import type {
  WireCompatibility,
  WireDiscovery,
  WireRegistration,
  WireSchemaChange,
  WireSchemaField,
  WireVersionDetail,
  WireVersions,
  WireVersionSummary,
} from "../api/schema-wire.js";

/** Schema Registry-style compatibility: which readers can read which data. */
export type Compatibility = WireCompatibility;
export type SchemaField = WireSchemaField;
export type SchemaChange = WireSchemaChange;

/** The answer of `admin.discoverSchema`. */
export interface SchemaDiscovery {
  topic: string;
  /** `stream://dostream/{topic}` */
  uri: string;
  /** The version this discovery matches (a new one when `newVersion`). */
  version: number;
  newVersion: boolean;
  /** Against the previous version; null for version 1. */
  compatibility: Compatibility | null;
  changes: SchemaChange[];
  sampled: Array<{ partition: number; records: number; fromOffset: number; toOffset: number }>;
  records: number;
  confidence: number;
  truncated: boolean;
  fields: SchemaField[];
  /** JSON Schema 2020-12. */
  jsonSchema: Record<string, unknown>;
}

export interface SchemaVersionSummary {
  version: number;
  source: "discovered" | "registered";
  createdAt: number;
  compatibility: Compatibility | null;
  records: number | null;
  mode: Compatibility | null;
}

export interface SchemaVersion extends SchemaVersionSummary {
  topic: string;
  uri: string;
  changes: SchemaChange[];
  jsonSchema: Record<string, unknown> | boolean;
  fields: SchemaField[] | null;
}

export interface SchemaRegistration {
  topic: string;
  uri: string;
  version: number;
  newVersion: boolean;
  mode: Compatibility | null;
  compatibility: Compatibility | null;
  changes: SchemaChange[];
}

// Both transports receive the same wire shapes (HTTP JSON, StreamService results): one mapping.

export function discoveryFromWire(w: WireDiscovery): SchemaDiscovery {
  return {
    topic: w.topic, uri: w.uri, version: w.version, newVersion: w.new_version, compatibility: w.compatibility, changes: w.changes,
    sampled: w.sampled.map((s) => ({ partition: s.partition, records: s.records, fromOffset: s.from_offset, toOffset: s.to_offset })),
    records: w.records, confidence: w.confidence, truncated: w.truncated, fields: w.fields, jsonSchema: w.json_schema,
  };
}

function summaryFromWire(v: WireVersionSummary): SchemaVersionSummary {
  return { version: v.version, source: v.source, createdAt: v.created_at, compatibility: v.compatibility, records: v.records, mode: v.mode };
}

export function versionsFromWire(w: WireVersions): SchemaVersionSummary[] {
  return w.versions.map(summaryFromWire);
}

export function versionFromWire(w: WireVersionDetail): SchemaVersion {
  return { ...summaryFromWire(w), topic: w.topic, uri: w.uri, changes: w.changes, jsonSchema: w.json_schema, fields: w.fields };
}

export function registrationFromWire(w: WireRegistration): SchemaRegistration {
  return { topic: w.topic, uri: w.uri, version: w.version, newVersion: w.new_version, mode: w.mode, compatibility: w.compatibility, changes: w.changes };
}
