import { fail, type Result } from "./errors";
import {
  DEFAULT_DELETE_RETENTION_MS,
  DEFAULT_HOT_MAX_RECORDS,
  DEFAULT_HOT_RETENTION_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MESSAGE_TIMESTAMP_AFTER_MAX_MS,
  DEFAULT_MESSAGE_TIMESTAMP_BEFORE_MAX_MS,
  DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS,
  DEFAULT_RETENTION_MS,
  GROUP_MIN_SESSION_TIMEOUT_FLOOR_MS,
  MAX_MESSAGE_BYTES_CAP,
  NO_TIMESTAMP_LIMIT_MS,
  MIN_SCHEMA_DISCOVERY_INTERVAL_MS,
} from "./limits";

/**
 * Effective topic configuration. Keys and meanings follow Kafka's topic configs. A type, not an
 * interface, so answers can hand it on as a `Record<string, …>` (src/api/responses/topics.ts).
 */
export type TopicConfig = {
  "retention.ms": number;
  "retention.bytes": number;
  "cleanup.policy": CleanupPolicy;
  "max.message.bytes": number;
  "message.timestamp.type": "CreateTime" | "LogAppendTime";
  /** CreateTime only: how far before the broker's clock a record's timestamp may be (Kafka 3.6+, KIP-937). */
  "message.timestamp.before.max.ms": number;
  /** CreateTime only: how far after the broker's clock a record's timestamp may be (Kafka 3.6+, KIP-937). */
  "message.timestamp.after.max.ms": number;
  "hot.retention.ms": number;
  "hot.max.records": number;
  "min.cleanable.dirty.ratio": number;
  "delete.retention.ms": number;
  /** Not a Kafka config: run schema discovery every this many ms (0 = only on request). */
  "schema.discovery.interval.ms": number;
  /** Not a Kafka config (issue 16): write this topic's produces, commits and lifecycle to `__cdc`. */
  "cdc.enabled": boolean;
};
export type CleanupPolicy = "delete" | "compact" | "delete,compact";
export type TopicConfigKey = keyof TopicConfig;

export const DEFAULT_TOPIC_CONFIG: Readonly<TopicConfig> = Object.freeze({
  "retention.ms": DEFAULT_RETENTION_MS,
  "retention.bytes": -1,
  "cleanup.policy": "delete",
  "max.message.bytes": DEFAULT_MAX_MESSAGE_BYTES,
  "message.timestamp.type": "CreateTime",
  "message.timestamp.before.max.ms": DEFAULT_MESSAGE_TIMESTAMP_BEFORE_MAX_MS,
  "message.timestamp.after.max.ms": DEFAULT_MESSAGE_TIMESTAMP_AFTER_MAX_MS,
  "hot.retention.ms": DEFAULT_HOT_RETENTION_MS,
  "hot.max.records": DEFAULT_HOT_MAX_RECORDS,
  "min.cleanable.dirty.ratio": DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  "delete.retention.ms": DEFAULT_DELETE_RETENTION_MS,
  "schema.discovery.interval.ms": 0,
  "cdc.enabled": false,
});

type Parsed = { value: TopicConfig[TopicConfigKey] } | { problem: string };

/** Kafka's boolean configs are "true"/"false" strings; accept booleans too. */
function bool(raw: unknown): Parsed {
  if (raw === true || raw === "true") return { value: true };
  if (raw === false || raw === "false") return { value: false };
  return { problem: "must be true or false" };
}
type Parser = (raw: unknown) => Parsed;

/** Kafka configs travel as strings; accept numbers or numeric strings. */
function integer(min: number, max = Number.MAX_SAFE_INTEGER): Parser {
  return (raw) => {
    const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    if (typeof n !== "number" || !Number.isInteger(n)) return { problem: "must be an integer" };
    if (n < min || n > max) return { problem: `must be between ${min} and ${max}` };
    return { value: n };
  };
}

/**
 * Kafka's long-valued millisecond configs: 0 up to Long.MAX_VALUE. Past 2^53-1 a JS number is not
 * exact, and every such value means "no limit" anyway, so it is stored as NO_TIMESTAMP_LIMIT_MS.
 */
function longMs(raw: unknown): Parsed {
  const LONG_MAX = 9223372036854775807n;
  const problem = { problem: `must be an integer between 0 and ${LONG_MAX}` };
  let n: bigint;
  if (typeof raw === "string" && /^\s*\d{1,19}\s*$/.test(raw)) n = BigInt(raw.trim());
  else if (typeof raw === "number" && Number.isInteger(raw) && raw >= 0 && raw <= 2 ** 63) n = raw >= 2 ** 63 ? LONG_MAX : BigInt(raw);
  else return problem;
  if (n > LONG_MAX) return problem;
  return { value: n > BigInt(NO_TIMESTAMP_LIMIT_MS) ? NO_TIMESTAMP_LIMIT_MS : Number(n) };
}

function oneOf<T extends CleanupPolicy | TopicConfig["message.timestamp.type"]>(...values: T[]): Parser {
  return (raw): Parsed => {
    const s = typeof raw === "string" ? raw.replace(/\s+/g, "") : raw;
    // Kafka accepts "compact,delete" as the same policy as "delete,compact".
    const normalized = s === "compact,delete" ? "delete,compact" : s;
    return values.includes(normalized as T) ? { value: normalized as T } : { problem: `must be one of ${values.join(", ")}` };
  };
}

function ratio(raw: unknown): Parsed {
  const n = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0 || n > 1) return { problem: "must be a number between 0 and 1" };
  return { value: n };
}

/** 0 (off) or an interval of at least MIN_SCHEMA_DISCOVERY_INTERVAL_MS: each run reads up to a sample of records. */
function discoveryInterval(raw: unknown): Parsed {
  const parsed = integer(0)(raw);
  if ("value" in parsed && parsed.value !== 0 && (parsed.value as number) < MIN_SCHEMA_DISCOVERY_INTERVAL_MS) {
    return { problem: `must be 0 (off) or at least ${MIN_SCHEMA_DISCOVERY_INTERVAL_MS}` };
  }
  return parsed;
}

// A Map, not an object literal: a key named after an Object.prototype member (`toString`,
// `hasOwnProperty`, `__proto__`) must be unknown here, not an inherited function (issue 9, item 12).
const PARSERS = new Map<string, Parser>(Object.entries({
  "retention.ms": integer(-1),
  "retention.bytes": integer(-1),
  "cleanup.policy": oneOf("delete", "compact", "delete,compact"),
  "max.message.bytes": integer(1, MAX_MESSAGE_BYTES_CAP),
  "message.timestamp.type": oneOf("CreateTime", "LogAppendTime"),
  "message.timestamp.before.max.ms": longMs,
  "message.timestamp.after.max.ms": longMs,
  "hot.retention.ms": integer(0),
  "hot.max.records": integer(1),
  "min.cleanable.dirty.ratio": ratio,
  "delete.retention.ms": integer(0),
  "schema.discovery.interval.ms": discoveryInterval,
  "cdc.enabled": bool,
} satisfies Record<TopicConfigKey, Parser>));

export const TOPIC_CONFIG_KEYS = [...PARSERS.keys()] as TopicConfigKey[];

/**
 * Validates a config patch. Unknown keys and bad values fail the whole patch (nothing applied),
 * naming the field; `null` removes an override (back to the default).
 */
export function parseTopicConfig(input: Record<string, unknown>): Result<{ config: Partial<Record<TopicConfigKey, unknown>> }> {
  const config: Partial<Record<TopicConfigKey, unknown>> = {};
  for (const [key, raw] of Object.entries(input)) {
    const parse = PARSERS.get(key);
    if (!parse) return fail("INVALID_CONFIG", `unknown config key '${key}'; known keys: ${TOPIC_CONFIG_KEYS.join(", ")}`, `config.${key}`);
    if (raw === null) {
      config[key as TopicConfigKey] = null;
      continue;
    }
    const parsed = parse(raw);
    if ("problem" in parsed) return fail("INVALID_CONFIG", `config '${key}' ${parsed.problem}`, `config.${key}`);
    config[key as TopicConfigKey] = parsed.value;
  }
  return { ok: true, config };
}

/** Applies a validated patch to the stored overrides (null deletes an override). */
export function mergeOverrides(current: Partial<TopicConfig>, patch: Partial<Record<TopicConfigKey, unknown>>): Partial<TopicConfig> {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next as Partial<TopicConfig>;
}

export function effectiveConfig(overrides: Partial<TopicConfig>): TopicConfig {
  return { ...DEFAULT_TOPIC_CONFIG, ...overrides };
}

/**
 * The GROUP_MIN_SESSION_TIMEOUT_MS broker setting (a wrangler var): an integer of ms, at least
 * GROUP_MIN_SESSION_TIMEOUT_FLOOR_MS. Unset means the default; a value that is not such an integer
 * is a deploy mistake, so it is logged and the default is used rather than failing every join.
 */
export function groupMinSessionTimeoutMs(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS;
  const n = Number(raw);
  if (Number.isSafeInteger(n) && n >= GROUP_MIN_SESSION_TIMEOUT_FLOOR_MS) return n;
  console.error(`GROUP_MIN_SESSION_TIMEOUT_MS='${raw}' is not an integer >= ${GROUP_MIN_SESSION_TIMEOUT_FLOOR_MS}; using ${DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS}`);
  return DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS;
}
