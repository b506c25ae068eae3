import { z } from "zod";
import { check } from "../api/check";
import { fail, type Result } from "../core/errors";
import { BRIDGE_BATCH_RECORDS, BRIDGE_NAME_PATTERN, MAX_BRIDGE_MAPPINGS, MAX_EXTERNAL_NAME_LENGTH } from "../core/limits";
import { PLATFORMS } from "./capabilities";
import type { BridgeSpec, Connection } from "./types";

const connectionSchema = z.strictObject({
  host: z.string().min(1).max(253),
  port: z.int().min(1).max(65_535).optional(),
  username: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(1024).optional(),
  database: z.int().min(0).max(1_000).optional(),
  vhost: z.string().min(1).max(255).optional(),
});

const mappingSchema = z.strictObject({
  external: z.string().min(1).max(MAX_EXTERNAL_NAME_LENGTH),
  topic: z.string().min(1).max(249),
});

const optionsSchema = z.strictObject({
  batch_records: z.int().min(1).max(BRIDGE_BATCH_RECORDS).optional(),
});

/** POST /v1/bridges body (and PUT's, without `name`). */
export const bridgeBodySchema = z.strictObject({
  name: z.string(),
  platform: z.string().min(1),
  connection: connectionSchema,
  direction: z.enum(["source", "sink"]),
  mapping: z.array(mappingSchema).min(1).max(MAX_BRIDGE_MAPPINGS),
  options: optionsSchema.optional(),
});

/**
 * A bridge spec from a request body: shape, name, platform (known and with an adapter) and
 * platform-specific connection fields. Topics and the broker itself are checked by the caller.
 */
export function parseBridgeSpec(input: unknown): Result<{ spec: BridgeSpec }> {
  const r = check(bridgeBodySchema, input, "bridge");
  if (!r.ok) return r;
  const b = r.value;
  if (!BRIDGE_NAME_PATTERN.test(b.name)) return fail("INVALID_REQUEST", `bridge name '${b.name}' is not legal: use 1-128 of [a-zA-Z0-9._-]`, "name");
  const platform = PLATFORMS[b.platform];
  if (!platform) {
    return fail("UNSUPPORTED_PLATFORM", `unknown platform '${b.platform}'; known: ${Object.keys(PLATFORMS).join(", ")}`, "platform");
  }
  if (!platform.adapter) return fail("UNSUPPORTED_PLATFORM", `platform '${b.platform}' (${platform.label}) has no adapter yet`, "platform");
  if (b.connection.database !== undefined && b.platform !== "redis") {
    return fail("INVALID_REQUEST", "connection.database is a Redis option", "connection.database");
  }
  if (b.connection.vhost !== undefined && b.platform !== "rabbitmq") {
    return fail("INVALID_REQUEST", "connection.vhost is a RabbitMQ option", "connection.vhost");
  }
  if (b.connection.username !== undefined && b.connection.password === undefined) {
    return fail("INVALID_REQUEST", "connection.username needs a connection.password", "connection.password");
  }
  const seen = new Set<string>();
  for (const [i, m] of b.mapping.entries()) {
    const k = `${m.external}\u0000${m.topic}`;
    if (seen.has(k)) return fail("INVALID_REQUEST", `mapping ${m.external} ↔ ${m.topic} is listed twice`, `mapping[${i}]`);
    seen.add(k);
    if (b.platform === "nats" && !/^[A-Za-z0-9_.*>-]+$/.test(m.external)) {
      return fail("INVALID_REQUEST", `'${m.external}' is not a NATS stream or subject name`, `mapping[${i}].external`);
    }
    if (b.platform === "mqtt" && (/\u0000/.test(m.external) || (b.direction === "sink" && /[+#]/.test(m.external)) || !validFilter(m.external))) {
      return fail("INVALID_REQUEST", `'${m.external}' is not an MQTT ${b.direction === "sink" ? "topic name (no wildcards)" : "topic filter"}`, `mapping[${i}].external`);
    }
    if (b.platform === "rabbitmq" && new TextEncoder().encode(m.external).length > 255) {
      return fail("INVALID_REQUEST", `'${m.external}' is longer than an AMQP queue name may be (255 bytes)`, `mapping[${i}].external`);
    }
  }
  const connection: Connection = { host: b.connection.host, port: b.connection.port ?? platform.defaultPort! };
  if (b.connection.username !== undefined) connection.username = b.connection.username;
  if (b.connection.password !== undefined) connection.password = b.connection.password;
  if (b.connection.database !== undefined) connection.database = b.connection.database;
  if (b.connection.vhost !== undefined) connection.vhost = b.connection.vhost;
  return { ok: true, spec: { name: b.name, platform: b.platform, connection, direction: b.direction, mapping: b.mapping, options: b.options ?? {} } };
}

/** MQTT 3.1.1, 4.7.1: `#` only as the last level, `+` only as a whole level. */
function validFilter(f: string): boolean {
  const levels = f.split("/");
  return levels.every((l, i) => (l === "#" ? i === levels.length - 1 : l === "+" || !/[+#]/.test(l)));
}

/** The spec as the API answers it: the password is never returned. */
export function redact(spec: BridgeSpec): BridgeSpec & { connection: Connection & { password?: string } } {
  const { password, ...connection } = spec.connection;
  return { ...spec, connection: password === undefined ? connection : { ...connection, password: "***" } };
}
