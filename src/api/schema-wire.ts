/**
 * Schema discovery answers as they cross the wire (HTTP JSON and StreamService alike), shared by
 * the engine and the SDK. Pure types, no runtime: the SDK compiles this file into its package.
 */

export type WireCompatibility = "BACKWARD" | "FORWARD" | "FULL" | "NONE";

/** One field path of an inferred schema (see src/schema/types.ts). */
export interface WireSchemaField {
  path: string;
  type: string;
  types: string[];
  occurrences: number;
  ratio: number;
  required: boolean;
  nullable: boolean;
  confidence: number;
  format?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  samples: Array<string | number | boolean>;
}

export interface WireSchemaChange {
  kind: "added" | "removed" | "type" | "nullability" | "optionality" | "format";
  path: string;
  detail?: string;
  from?: unknown;
  to?: unknown;
  backward: boolean;
  forward: boolean;
}

export interface WireInference {
  uri: string;
  records: number;
  confidence: number;
  truncated: boolean;
  fields: WireSchemaField[];
  json_schema: Record<string, unknown>;
}

export interface WireDiscovery extends WireInference {
  topic: string;
  version: number;
  new_version: boolean;
  compatibility: WireCompatibility | null;
  changes: WireSchemaChange[];
  sampled: Array<{ partition: number; records: number; from_offset: number; to_offset: number }>;
}

export interface WireVersionSummary {
  version: number;
  source: "discovered" | "registered";
  created_at: number;
  compatibility: WireCompatibility | null;
  records: number | null;
  mode: WireCompatibility | null;
}

export interface WireVersionDetail extends WireVersionSummary {
  topic: string;
  uri: string;
  changes: WireSchemaChange[];
  json_schema: Record<string, unknown> | boolean;
  fields: WireSchemaField[] | null;
}

export interface WireVersions {
  topic: string;
  uri: string;
  versions: WireVersionSummary[];
}

export interface WireRegistration {
  topic: string;
  uri: string;
  version: number;
  new_version: boolean;
  mode: WireCompatibility | null;
  compatibility: WireCompatibility | null;
  changes: WireSchemaChange[];
}
