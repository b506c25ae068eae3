/** What a command prints: a human table by default, the engine's JSON with --json. */
export interface Out {
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

export function printJson(out: Out, value: unknown): void {
  out.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

type Cell = string | number | boolean | null | undefined;

/** A plain left-aligned table with an upper-case header row; numbers align right. */
export function table(out: Out, header: string[], rows: Cell[][]): void {
  const text = rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : String(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || r[i] === null || r[i] === undefined));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 && !numeric[i] ? c : numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  out.stdout.write([line(header.map((h) => h.toUpperCase())), ...text.map(line)].join("\n") + "\n");
}

/** `key: value` lines, for one object's scalar fields. */
export function fields(out: Out, pairs: [string, Cell][]): void {
  const width = Math.max(...pairs.map(([k]) => k.length));
  out.stdout.write(pairs.map(([k, v]) => `${(k + ":").padEnd(width + 1)} ${v === null || v === undefined ? "-" : v}`).join("\n") + "\n");
}

/**
 * A one-line progress bar on stderr, only when stderr is a terminal (so pipes and CI logs stay
 * clean), redrawn at most every 100 ms. Written here rather than taken from a library: it is a
 * dozen lines, and the package keeps zero runtime dependencies.
 */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly label: string,
    private total: number | null,
    private readonly unit: (n: number) => string = (n) => String(n),
  ) {
    this.enabled = stream.isTTY === true;
  }

  update(done: number, records: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const secs = Math.max((now - this.started) / 1000, 0.001);
    const rate = `${Math.round(records / secs)} rec/s`;
    if (this.total && this.total > 0) {
      const ratio = Math.min(done / this.total, 1);
      const width = 30;
      const filled = Math.round(ratio * width);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      this.stream.write(`\r${this.label} [${bar}] ${(ratio * 100).toFixed(0).padStart(3)}% ${this.unit(done)}/${this.unit(this.total)} ${records} records ${rate}\x1b[K`);
    } else {
      this.stream.write(`\r${this.label} ${records} records ${rate}\x1b[K`);
    }
  }

  done(done: number, records: number): void {
    if (!this.enabled) return;
    this.update(done, records, true);
    this.stream.write("\n");
  }
}

export const bytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${(n / 1024 ** 3).toFixed(2)} GiB`;
