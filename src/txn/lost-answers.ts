import type { SqlStore } from "../storage";

/** The status of a row whose write is still running (no HTTP answer has status 0). */
const PENDING = 0;

/** An answer as the route would have sent it. */
export interface LostAnswer {
  status: number;
  body: string;
}

interface Row {
  status: number;
  body: string;
  [key: string]: SqlStorageValue;
}

/**
 * Answers of writes nobody received (issue 19, the Upstash-style surface). A client that never got
 * its answer resends the identical request; the server cannot tell that resend from a second
 * identical request by content, but it knows when an answer was not delivered (request.signal
 * aborted). Such an answer is kept here under the request's fingerprint for a short while, and the
 * first identical request takes it instead of writing again. Taken once: a later identical request
 * is a new write. Rows exist only for undelivered answers, so expired ones are dropped when the
 * next one is kept (no alarm needed: a leftover row is a few bytes and answers nothing once expired).
 */
export class LostAnswers {
  constructor(private readonly storage: SqlStore) {}

  /**
   * The kept answer for `fingerprint`, removed as it is returned; "pending" while the write whose
   * client went is still running; null when none (or expired).
   */
  take(fingerprint: string, now: number): LostAnswer | "pending" | null {
    const row = this.storage.sql.exec<Row>("SELECT status, body FROM lost_answers WHERE fingerprint = ? AND expires_at > ?", fingerprint, now).toArray()[0];
    if (!row) return null;
    if (row.status === PENDING) return "pending";
    this.storage.sql.exec("DELETE FROM lost_answers WHERE fingerprint = ?", fingerprint);
    return { status: row.status, body: row.body };
  }

  /** The client went while the write runs: an identical request waits for its answer instead of writing. */
  expect(fingerprint: string, now: number, ttlMs: number): void {
    this.storage.sql.exec("INSERT OR IGNORE INTO lost_answers (fingerprint, status, body, expires_at) VALUES (?, ?, '', ?)", fingerprint, PENDING, now + ttlMs);
  }

  keep(fingerprint: string, answer: LostAnswer, now: number, ttlMs: number): void {
    this.storage.sql.exec("DELETE FROM lost_answers WHERE expires_at <= ?", now);
    this.storage.sql.exec("INSERT OR REPLACE INTO lost_answers (fingerprint, status, body, expires_at) VALUES (?, ?, ?, ?)", fingerprint, answer.status, answer.body, now + ttlMs);
  }

  /** No answer came in time (the write presumably crashed): forget the pending row, the caller writes. */
  drop(fingerprint: string): void {
    this.storage.sql.exec("DELETE FROM lost_answers WHERE fingerprint = ? AND status = ?", fingerprint, PENDING);
  }
}
