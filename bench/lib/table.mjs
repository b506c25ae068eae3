// Renders a Report as a fixed-width text table.

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
const ms = (n) => (!Number.isFinite(n) ? "—" : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));

function pad(text, width, right) {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** The table as a string: one block per section; ceiling lines get refs (C1, C2…) that ours lines cite. */
export function renderTable(report, machine) {
  const refs = new Map();
  for (const line of report.lines) if (line.kind === "ceiling") refs.set(line.id, `C${refs.size + 1}`);

  const head = ["", "line", "throughput", "p50 ms", "p99 ms", "ratio", "vs"];
  const right = [false, false, true, true, true, true, false];
  const blocks = report.sections.map((s) => ({
    title: s.title,
    rows: s.lines.map((l) => [
      l.kind === "ceiling" ? refs.get(l.id) : "ours",
      l.label,
      l.throughput ? `${int(l.throughput.value)} ${l.throughput.unit}` : "—",
      ms(l.latency?.p50),
      ms(l.latency?.p99),
      l.ratio === undefined ? "" : l.on === "latency" ? `${l.ratio.toFixed(2)}× (p99 ${l.ratioP99.toFixed(2)}×)` : l.ratio.toFixed(2),
      l.vs ? refs.get(l.vs) : "",
    ]),
  }));
  const widths = head.map((h, i) => Math.max(h.length, ...blocks.flatMap((b) => b.rows.map((r) => r[i].length))));
  const fmt = (cells) => cells.map((c, i) => pad(c, widths[i], right[i])).join("  ").trimEnd();
  const rule = "─".repeat(fmt(head).length);

  const out = [];
  out.push(`dostream bench — ${machine.startedAt}, engine ${machine.commit}`);
  out.push(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.memGiB} GiB, ${machine.os}; Node ${machine.node}; wrangler ${machine.wrangler}; served by ${machine.server === "wrangler-dev" ? "wrangler dev" : "npm start's direct server"} unless a line says otherwise`);
  out.push(`1-min load average: ${machine.loadAvgAtStart.toFixed(2)} at start, ${machine.loadAvgAtEnd.toFixed(2)} at end (load generator and engine share these cores)`);
  out.push("one 1 KB record = a JSON value of 1,024 bytes; ceilings (C#) are a plain SQLite table or a no-op request through the same server");
  out.push("");
  out.push(fmt(head));
  for (const b of blocks) {
    out.push(`── ${b.title} ${rule.slice(b.title.length + 4)}`);
    for (const r of b.rows) out.push(fmt(r));
  }
  out.push(rule);
  out.push("ratio: throughput lines = ours ÷ ceiling (1.00 = at the ceiling, higher is better);");
  out.push("       latency lines = ours p50 ÷ ceiling p50 (lower is better; p99 ratio in parentheses).");
  out.push("p50/p99: per-request latency under that line's load, or per sample for latency lines.");
  return out.join("\n");
}
