import { z } from "zod";
import type {
  WireDiscovery, WireInference, WireRegistration, WireSchemaChange, WireSchemaField, WireVersionDetail, WireVersions, WireVersionSummary,
} from "../schema-wire";
import type { Same } from "./same";

/**
 * Answers of schema discovery, versions and registration (issue 17), for /openapi.json and the
 * builders in src/api/schema-json.ts. The SDK keeps the plain interfaces of src/api/schema-wire.ts
 * (it ships without zod); the checks at the bottom fail to compile when the two drift apart.
 */
const compatibility = z.enum(["BACKWARD", "FORWARD", "FULL", "NONE"]);
const jsonObject = z.record(z.string(), z.unknown());

export const schemaFieldAnswer = z.strictObject({
  path: z.string(),
  type: z.string(),
  types: z.array(z.string()),
  occurrences: z.int(),
  ratio: z.number(),
  required: z.boolean(),
  nullable: z.boolean(),
  confidence: z.number(),
  format: z.string().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  maxLength: z.int().optional(),
  samples: z.array(z.union([z.string(), z.number(), z.boolean()])),
});

export const schemaChangeAnswer = z.strictObject({
  kind: z.enum(["added", "removed", "type", "nullability", "optionality", "format"]),
  path: z.string(),
  detail: z.string().optional(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  /** Old readers can read new records. */
  backward: z.boolean(),
  /** New readers can read old records. */
  forward: z.boolean(),
});

const inferenceShape = {
  /** `stream://` URI of what was sampled. */
  uri: z.string(),
  records: z.int(),
  confidence: z.number(),
  truncated: z.boolean(),
  fields: z.array(schemaFieldAnswer),
  json_schema: jsonObject,
};

/** POST /v1/schema/infer. */
export const inferenceAnswer = z.strictObject(inferenceShape);

/** GET /v1/topics/:topic/schema: the inference plus the version it matched or created. */
export const discoveryAnswer = z.strictObject({
  ...inferenceShape,
  topic: z.string(),
  version: z.int(),
  new_version: z.boolean(),
  compatibility: compatibility.nullable(),
  changes: z.array(schemaChangeAnswer),
  sampled: z.array(z.strictObject({ partition: z.int(), records: z.int(), from_offset: z.int(), to_offset: z.int() })),
});

const versionSummaryShape = {
  version: z.int(),
  source: z.enum(["discovered", "registered"]),
  created_at: z.int(),
  compatibility: compatibility.nullable(),
  records: z.int().nullable(),
  /** The enforced compatibility mode of a registered version; null for a discovered one. */
  mode: compatibility.nullable(),
};
export const versionSummaryAnswer = z.strictObject(versionSummaryShape);

/** GET /v1/topics/:topic/schema/versions. */
export const versionsAnswer = z.strictObject({ topic: z.string(), uri: z.string(), versions: z.array(versionSummaryAnswer) });

/** GET /v1/topics/:topic/schema/versions/:version. */
export const versionDetailAnswer = z.strictObject({
  ...versionSummaryShape,
  topic: z.string(),
  uri: z.string(),
  changes: z.array(schemaChangeAnswer),
  json_schema: z.union([jsonObject, z.boolean()]),
  fields: z.array(schemaFieldAnswer).nullable(),
});

/** PUT /v1/topics/:topic/schema. */
export const registrationAnswer = z.strictObject({
  topic: z.string(),
  uri: z.string(),
  version: z.int(),
  new_version: z.boolean(),
  mode: compatibility.nullable(),
  compatibility: compatibility.nullable(),
  changes: z.array(schemaChangeAnswer),
});

/** DELETE /v1/topics/:topic/schema. */
export const unregistrationAnswer = z.strictObject({ topic: z.string(), enforced: z.literal(false), was_enforced: z.boolean() });

// The SDK's interfaces say exactly what these schemas say (compile-time only).
const _sameAsSdk: [
  Same<WireSchemaField, z.output<typeof schemaFieldAnswer>>,
  Same<WireSchemaChange, z.output<typeof schemaChangeAnswer>>,
  Same<WireInference, z.output<typeof inferenceAnswer>>,
  Same<WireDiscovery, z.output<typeof discoveryAnswer>>,
  Same<WireVersionSummary, z.output<typeof versionSummaryAnswer>>,
  Same<WireVersions, z.output<typeof versionsAnswer>>,
  Same<WireVersionDetail, z.output<typeof versionDetailAnswer>>,
  Same<WireRegistration, z.output<typeof registrationAnswer>>,
] = [true, true, true, true, true, true, true, true];
void _sameAsSdk;
