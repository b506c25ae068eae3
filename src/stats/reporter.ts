/**
 * Sends an object's summary to the catalog after a change, at most once per interval: the first
 * change after a quiet spell is sent at once, later ones are folded into one report that is due
 * when the interval has passed (the object's alarm calls `flush`). A failed send stays owed.
 *
 * @example
 * const reporter = new SummaryReporter(SUMMARY_REPORT_INTERVAL_MS);
 * reporter.changed(Date.now(), () => send(summary()));   // after an append
 * const due = reporter.dueAt();                          // include in the alarm's deadline
 */
export class SummaryReporter {
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private owed = false;
  private sending: Promise<void> | null = null;
  private sequence = 0;

  constructor(private readonly intervalMs: number) {}

  /**
   * Records a change; sends now when the last report is older than the interval. Returns the send
   * in flight (callers that must not wait, like an append, leave it running).
   */
  changed(now: number, send: (version: number) => Promise<void>): Promise<void> | null {
    this.owed = true;
    return now >= this.lastSentAt + this.intervalMs ? this.send(now, send) : null;
  }

  /** From the alarm: sends an owed report whose interval has passed. */
  flush(now: number, send: (version: number) => Promise<void>): Promise<void> | null {
    return this.owed && now >= this.lastSentAt + this.intervalMs ? this.send(now, send) : null;
  }

  /** When an owed report falls due (for the alarm), or null when nothing is owed. */
  dueAt(): number | null {
    return this.owed ? this.lastSentAt + this.intervalMs : null;
  }

  /** Versions grow with time and within a millisecond, also across restarts of the object. */
  version(now: number): number {
    return now * 1_000 + (this.sequence++ % 1_000);
  }

  private send(now: number, send: (version: number) => Promise<void>): Promise<void> {
    if (this.sending) return this.sending;
    this.owed = false;
    this.lastSentAt = now;
    this.sending = send(this.version(now))
      .catch(() => {
        this.owed = true; // retried when next due
      })
      .finally(() => (this.sending = null));
    return this.sending;
  }
}
