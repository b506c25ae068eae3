import type { Discovery, Inference } from "../routing/schema";
import { topicUri } from "../schema/json-schema";
import type { VersionDetail, VersionSummary } from "../schema/registry";
import type { z } from "zod";
import type { WireSchemaChange } from "./schema-wire";
import type { discoveryAnswer, inferenceAnswer, registrationAnswer, unregistrationAnswer, versionDetailAnswer, versionsAnswer, versionSummaryAnswer } from "./responses/schema";

/** Schema answers in their wire shape (src/api/responses/schema.ts), built once for HTTP and the StreamService alike. */

export function inferenceJson(i: Inference): z.input<typeof inferenceAnswer> {
  const { records, confidence, truncated, fields } = i.schema;
  return { uri: i.uri, records, confidence, truncated, fields, json_schema: i.jsonSchema };
}

export function discoveryJson(d: Discovery): z.input<typeof discoveryAnswer> {
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

export function versionSummaryJson(v: VersionSummary): z.input<typeof versionSummaryAnswer> {
  return { version: v.version, source: v.source, created_at: v.createdAt, compatibility: v.compatibility, records: v.records, mode: v.mode };
}

export function versionsJson(topic: string, versions: VersionSummary[]): z.input<typeof versionsAnswer> {
  return { topic, uri: topicUri(topic), versions: versions.map(versionSummaryJson) };
}

export function versionJson(topic: string, v: VersionDetail): z.input<typeof versionDetailAnswer> {
  return {
    topic,
    uri: topicUri(topic),
    ...versionSummaryJson(v),
    changes: v.changes as WireSchemaChange[],
    json_schema: v.jsonSchema,
    fields: v.inferred?.fields ?? null,
  };
}

export function unregistrationJson(topic: string, wasEnforced: boolean): z.input<typeof unregistrationAnswer> {
  return { topic, enforced: false, was_enforced: wasEnforced };
}

export function registrationJson(topic: string, r: { version: VersionDetail; created: boolean }): z.input<typeof registrationAnswer> {
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
