import type { Discovery, Inference } from "../routing/schema";
import { topicUri } from "../schema/json-schema";
import type { VersionDetail, VersionSummary } from "../schema/registry";
import type { WireDiscovery, WireInference, WireRegistration, WireSchemaChange, WireVersionDetail, WireVersionSummary, WireVersions } from "./schema-wire";

/** Schema answers in their wire shape, built once for HTTP and the StreamService alike. */

export function inferenceJson(i: Inference): WireInference {
  const { records, confidence, truncated, fields } = i.schema;
  return { uri: i.uri, records, confidence, truncated, fields, json_schema: i.jsonSchema };
}

export function discoveryJson(d: Discovery): WireDiscovery {
  return {
    topic: d.topic,
    version: d.version.version,
    new_version: d.created,
    compatibility: d.version.compatibility,
    changes: d.created ? (d.version.changes as WireSchemaChange[]) : [],
    sampled: d.sampled.map((s) => ({ partition: s.partition, records: s.records, from_offset: s.fromOffset, to_offset: s.toOffset })),
    ...inferenceJson(d),
  };
}

export function versionSummaryJson(v: VersionSummary): WireVersionSummary {
  return { version: v.version, source: v.source, created_at: v.createdAt, compatibility: v.compatibility, records: v.records, mode: v.mode };
}

export function versionsJson(topic: string, versions: VersionSummary[]): WireVersions {
  return { topic, uri: topicUri(topic), versions: versions.map(versionSummaryJson) };
}

export function versionJson(topic: string, v: VersionDetail): WireVersionDetail {
  return {
    topic,
    uri: topicUri(topic),
    ...versionSummaryJson(v),
    changes: v.changes as WireSchemaChange[],
    json_schema: v.jsonSchema,
    fields: v.inferred?.fields ?? null,
  };
}

export function registrationJson(topic: string, r: { version: VersionDetail; created: boolean }): WireRegistration {
  return {
    topic,
    uri: topicUri(topic),
    version: r.version.version,
    new_version: r.created,
    mode: r.version.mode,
    compatibility: r.version.compatibility,
    changes: r.version.changes as WireSchemaChange[],
  };
}
