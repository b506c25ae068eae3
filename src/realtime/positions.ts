import { fail, type Failure } from "../core/errors";

/**
 * Where a subscription starts, and how a stream's position is written down (issue 15).
 *
 * A position list is `partition:offset` pairs, comma-separated and sorted by partition: the next
 * offset to deliver on each partition. SSE sends it as every event's `id:` (so the browser hands
 * it back as `Last-Event-ID` on reconnect) and the same text is accepted by `from=`, so a resumed
 * stream continues exactly after the last event it delivered: no gap, no duplicate.
 */
export type StartSpec = { from: "earliest" | "latest" } | { from: "time"; timestamp: number } | { from: "positions"; positions: Map<number, number> };

const POSITION_LIST = /^\d{1,4}:\d{1,16}(,\d{1,4}:\d{1,16})*$/;

export function formatPositions(positions: Map<number, number>): string {
  return [...positions.entries()].sort((a, b) => a[0] - b[0]).map(([p, o]) => `${p}:${o}`).join(",");
}

export function parsePositions(text: string, field: string): { ok: true; positions: Map<number, number> } | Failure {
  if (!POSITION_LIST.test(text)) return fail("INVALID_REQUEST", `'${text.slice(0, 64)}' is not a list of partition:offset pairs (e.g. 0:42,1:17)`, field);
  const positions = new Map<number, number>();
  for (const pair of text.split(",")) {
    const [p, o] = pair.split(":").map(Number) as [number, number];
    if (!Number.isSafeInteger(o)) return fail("INVALID_REQUEST", `offset ${o} is not a safe integer`, field);
    if (positions.has(p)) return fail("INVALID_REQUEST", `partition ${p} is listed twice`, field);
    positions.set(p, o);
  }
  return { ok: true, positions };
}

/** `earliest`, `latest`, a time (epoch ms or ISO 8601), or a position list. */
export function parseStart(text: string | undefined, field = "from"): { ok: true; start: StartSpec } | Failure {
  if (text === undefined || text === "" || text === "latest") return { ok: true, start: { from: "latest" } };
  if (text === "earliest") return { ok: true, start: { from: "earliest" } };
  if (/^\d{1,15}$/.test(text)) return { ok: true, start: { from: "time", timestamp: Number(text) } };
  if (POSITION_LIST.test(text)) {
    const p = parsePositions(text, field);
    return p.ok ? { ok: true, start: { from: "positions", positions: p.positions } } : p;
  }
  const t = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isFinite(t) && t >= 0) return { ok: true, start: { from: "time", timestamp: t } };
  return fail("INVALID_REQUEST", "use earliest, latest, a time (epoch ms or ISO 8601) or partition:offset pairs", field);
}

/** `0,2,5`: distinct partition numbers. */
export function parsePartitionList(text: string | undefined, field = "partitions"): { ok: true; partitions: number[] | undefined } | Failure {
  if (text === undefined || text === "") return { ok: true, partitions: undefined };
  if (!/^\d{1,4}(,\d{1,4})*$/.test(text)) return fail("INVALID_REQUEST", "partitions must be comma-separated partition numbers", field);
  const list = [...new Set(text.split(",").map(Number))].sort((a, b) => a - b);
  return { ok: true, partitions: list };
}

/** The offset at the start of one fetch-rendered record (`{"offset":N,…}`), read without parsing it. */
export function recordOffset(recordJson: string): number {
  const end = recordJson.indexOf(",", 10);
  return Number(recordJson.slice(10, end));
}

/**
 * Splits the fetch API's records array into the records' own JSON texts, exactly as rendered (no
 * re-serialisation). Only strings and nesting need tracking: the elements are the partition's
 * output (src/log/records.ts encodeRecord), always well-formed.
 */
export function splitRecords(arrayJson: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < arrayJson.length; i++) {
    const c = arrayJson.charCodeAt(i);
    if (c === 34) {
      // skip a string, honouring escapes
      for (i++; i < arrayJson.length; i++) {
        const d = arrayJson.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (depth === 1 && c === 123) start = i;
      depth++;
    } else if (c === 125 || c === 93) {
      depth--;
      if (depth === 1 && c === 125) out.push(arrayJson.slice(start, i + 1));
    }
  }
  return out;
}
