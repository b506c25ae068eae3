// The engine's HTTP API and the bench ceiling routes, as the suites use them.

export const RECORD_BYTES = 1024;

/** A JSON value whose serialized form is exactly `bytes` long: `{ ...fields, pad: "xxx…" }`. */
export function paddedValue(bytes = RECORD_BYTES, fields = {}) {
  const base = JSON.stringify({ ...fields, pad: "" }).length;
  if (base > bytes) throw new Error(`fields alone take ${base} bytes, more than ${bytes}`);
  return { ...fields, pad: "x".repeat(bytes - base) };
}

/** A name unique to this run (topic names allow [a-zA-Z0-9._-]). */
export function uniqueName(prefix, runId) {
  return `${prefix}-${runId}`;
}

const qs = (query) => new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();

export const engine = {
  topics: "/v1/topics",
  records: (topic) => `/v1/topics/${encodeURIComponent(topic)}/records`,
  partitionRecords: (topic, partition, query) => `/v1/topics/${encodeURIComponent(topic)}/partitions/${partition}/records?${qs(query)}`,
  /** The body of one produce request, serialized once so the load generator does not redo it per request. */
  produceBody: (values) => JSON.stringify({ records: values.map((value) => ({ value })) }),
  createTopic: (client, name, partitions = 1, config) =>
    client.json("POST", "/v1/topics", { name, partitions, ...(config && { config }) }),
  group: (group) => `/v1/groups/${encodeURIComponent(group)}`,
  members: (group) => `/v1/groups/${encodeURIComponent(group)}/members`,
  heartbeat: (group, member) => `/v1/groups/${encodeURIComponent(group)}/members/${encodeURIComponent(member)}/heartbeat`,
};

export const ceiling = {
  rows: (db) => `/bench/ceiling/${encodeURIComponent(db)}/rows`,
  page: (db, from, limit) => `/bench/ceiling/${encodeURIComponent(db)}/rows?${qs({ from, limit })}`,
  insertBody: (values) => JSON.stringify(values),
};

/**
 * Resolves to `units` when the response is exactly 200, throws with the response otherwise (for
 * runPool tasks). Exactly 200: a produce answers 207 when some records were not written.
 */
export async function expect200(promise, units = 1) {
  const res = await promise;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  return units;
}
