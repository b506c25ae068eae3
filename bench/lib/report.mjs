// Collects result lines from suites, computes "ours ÷ ceiling" ratios, and renders the table/JSON.

/**
 * A line is one measurement:
 *   { id, kind: "ceiling" | "ours", label,
 *     throughput?: { value, unit },          // units per second
 *     latency?: { n, p50, p90, p99, max, mean },   // ms (per request, or per sample)
 *     vs?: id of a ceiling line, on?: "throughput" | "latency",   // ours lines only
 *     detail?: { ... } }                     // anything else worth keeping in the JSON
 * For throughput the ratio is ours/ceiling (1.00 = at the ceiling, higher is better); for latency
 * it is ours p50 / ceiling p50 (1.00 = no slower than the ceiling, lower is better), p99 alongside.
 */
export class Report {
  constructor() {
    this.sections = [];
  }

  section(title) {
    this.sections.push({ title, lines: [] });
  }

  add(line) {
    if (this.sections.length === 0) this.section("results");
    if (this.find(line.id)) throw new Error(`duplicate bench line id '${line.id}'`);
    if (line.vs && !this.find(line.vs)) throw new Error(`line '${line.id}' compares with unknown line '${line.vs}'`);
    this.sections.at(-1).lines.push({ ...line, ...ratioOf(line, line.vs && this.find(line.vs)) });
  }

  find(id) {
    for (const s of this.sections) for (const l of s.lines) if (l.id === id) return l;
    return undefined;
  }

  get lines() {
    return this.sections.flatMap((s) => s.lines);
  }
}

function ratioOf(line, ceiling) {
  if (!ceiling) return {};
  const on = line.on ?? "throughput";
  if (on === "throughput") return { on, ratio: line.throughput.value / ceiling.throughput.value };
  return { on, ratio: line.latency.p50 / ceiling.latency.p50, ratioP99: line.latency.p99 / ceiling.latency.p99 };
}
