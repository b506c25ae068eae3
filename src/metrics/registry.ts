import { METRIC_MAX_SERIES } from "../core/limits";

/**
 * This isolate's request metrics (issue 16): counters and latency histograms kept in memory,
 * rendered by /metrics next to the cluster-wide figures the catalog holds (src/metrics/render.ts).
 * Request figures are per isolate (each scrape sees the isolate that answered it, labelled with
 * `instance`); `npm start` runs one isolate, so locally they are the whole engine's.
 */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;
const key = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

interface Histogram {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

export class MetricsRegistry {
  private id: string | null = null;
  /** Random per isolate; made on first use (workerd forbids random values in global scope). */
  get instance(): string {
    return (this.id ??= crypto.randomUUID().slice(0, 8));
  }
  private readonly counters = new Map<string, Map<string, { labels: Labels; value: number }>>();
  private readonly gauges = new Map<string, Map<string, { labels: Labels; value: number }>>();
  private readonly histograms = new Map<string, Map<string, Histogram>>();
  readonly help = new Map<string, string>();

  inc(name: string, labels: Labels, by = 1): void {
    this.add(this.counters, name, labels, by);
  }

  gauge(name: string, labels: Labels, by: number): void {
    this.add(this.gauges, name, labels, by);
  }

  private add(into: Map<string, Map<string, { labels: Labels; value: number }>>, name: string, labels: Labels, by: number): void {
    let series = into.get(name);
    if (!series) into.set(name, (series = new Map()));
    const k = key(labels);
    const s = series.get(k);
    if (s) s.value += by;
    else if (series.size < METRIC_MAX_SERIES) series.set(k, { labels, value: by });
  }

  observe(name: string, labels: Labels, seconds: number): void {
    let series = this.histograms.get(name);
    if (!series) this.histograms.set(name, (series = new Map()));
    const k = key(labels);
    let h = series.get(k);
    if (!h) {
      if (series.size >= METRIC_MAX_SERIES) return;
      series.set(k, (h = { labels, buckets: LATENCY_BUCKETS_S.map(() => 0), sum: 0, count: 0 }));
    }
    for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) if (seconds <= LATENCY_BUCKETS_S[i]!) h.buckets[i]!++;
    h.sum += seconds;
    h.count++;
  }

  /** Prometheus text exposition format 0.0.4 lines for this isolate's metrics. */
  render(out: PromWriter): void {
    for (const [name, series] of this.counters) {
      out.family(name, "counter", this.help.get(name));
      for (const s of series.values()) out.sample(name, { ...s.labels, instance: this.instance }, s.value);
    }
    for (const [name, series] of this.gauges) {
      out.family(name, "gauge", this.help.get(name));
      for (const s of series.values()) out.sample(name, { ...s.labels, instance: this.instance }, s.value);
    }
    for (const [name, series] of this.histograms) {
      out.family(name, "histogram", this.help.get(name));
      for (const h of series.values()) {
        const labels = { ...h.labels, instance: this.instance };
        LATENCY_BUCKETS_S.forEach((le, i) => out.sample(`${name}_bucket`, { ...labels, le: String(le) }, h.buckets[i]!));
        out.sample(`${name}_bucket`, { ...labels, le: "+Inf" }, h.count);
        out.sample(`${name}_sum`, labels, h.sum);
        out.sample(`${name}_count`, labels, h.count);
      }
    }
  }
}

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

/** Writes the text format: one `# HELP`/`# TYPE` per family, then its samples. */
export class PromWriter {
  private readonly lines: string[] = [];
  family(name: string, type: "counter" | "gauge" | "histogram", help?: string): void {
    if (help) this.lines.push(`# HELP ${name} ${help}`);
    this.lines.push(`# TYPE ${name} ${type}`);
  }
  sample(name: string, labels: Labels, value: number): void {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(",");
    this.lines.push(`${name}${l ? `{${l}}` : ""} ${Number.isFinite(value) ? value : 0}`);
  }
  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/** The isolate's one registry. */
export const metrics = new MetricsRegistry();
for (const [name, help] of [
  ["dostream_requests_total", "HTTP requests answered, by operation and status class"],
  ["dostream_request_duration_seconds", "HTTP request latency by operation and topic"],
  ["dostream_produce_requests_total", "Produce requests by topic"],
  ["dostream_fetch_requests_total", "Fetch requests by topic"],
  ["dostream_records_in_total", "Records produced, by topic"],
  ["dostream_bytes_in_total", "Produce request body bytes, by topic"],
  ["dostream_bytes_out_total", "Fetched record JSON bytes, by topic"],
  ["dostream_records_out_total", "Records fetched, by topic (offset span of each page)"],
  ["dostream_rejected_requests_total", "Requests answered with an error, by error code"],
  ["dostream_connections", "Requests in flight in this isolate (long-polls and streams included)"],
  ["dostream_connections_total", "Requests accepted by this isolate"],
] as const) metrics.help.set(name, help);
