import { InvalidConfigError } from "./errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/**
 * Parses '500ms', '10s', '30m', '1h', '7d', '2w' (or a number of ms) to milliseconds. Anything
 * else throws InvalidConfigError naming `field`: a typo must not silently become "forever".
 *
 * @example
 * parseDuration('7d') // 604800000
 */
export function parseDuration(input: string | number, field = "duration"): number {
  if (typeof input === "number") {
    if (Number.isInteger(input) && input >= -1) return input; // -1: Kafka's "no limit"
    throw new InvalidConfigError(`${field} must be a whole number of ms (or -1), got ${input}`, { field });
  }
  const m = DURATION.exec(String(input).trim());
  const ms = m ? Number(m[1]) * UNITS[m[2]] : NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new InvalidConfigError(`${field} '${input}' is not a duration; use e.g. '500ms', '10s', '30m', '1h', '7d'`, { field });
  }
  return ms;
}
