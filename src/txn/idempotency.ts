import { fail, type Result } from "../core/errors";
import type { SqlStore } from "../storage";

/** What a claim found: run it now, someone else is running it, or it ran (with its answer). */
export type ClaimAnswer =
  | { status: "claimed"; claimed_at: number }
  | { status: "running"; holder: string; claimed_at: number }
  | { status: "completed"; result: unknown; completed_at: number };

export interface IdempotencyDescription {
  id: string;
  state: "claimed" | "completed";
  holder: string;
  claimed_at: number;
  completed_at: number | null;
  expires_at: number | null;
}

interface Row {
  id: string;
  state: "claimed" | "completed";
  holder: string;
  claimed_at: number;
  completed_at: number | null;
  result: string | null;
  expires_at: number | null;
  [key: string]: SqlStorageValue;
}

/**
 * ExactlyOnceContext.withIdempotency's server side (issue 12): a claim/complete record per unit of
 * work id, so `fn` runs at most once per id across processes and restarts. The first claim wins
 * and names a holder (a random token per call); a claim by the same holder is a retried request
 * and wins again; any other claimant learns "running" (and waits) or "completed" (and gets the
 * stored answer). The holder completes the record with its result, or releases it when `fn` threw
 * (nothing was done, so a later call may run it). A holder that died mid-way leaves the claim in
 * place on purpose: `fn` may have run, so running it again could run it twice.
 */
export class IdempotencyRecords {
  constructor(private readonly storage: SqlStore) {}

  claim(id: string, holder: string, now: number): ClaimAnswer {
    const row = this.row(id, now);
    if (!row) {
      this.storage.sql.exec("INSERT OR REPLACE INTO idempotency (id, state, holder, claimed_at) VALUES (?, 'claimed', ?, ?)", id, holder, now);
      return { status: "claimed", claimed_at: now };
    }
    if (row.state === "completed") return { status: "completed", result: row.result === null ? null : JSON.parse(row.result), completed_at: row.completed_at! };
    if (row.holder === holder) return { status: "claimed", claimed_at: row.claimed_at };
    return { status: "running", holder: row.holder, claimed_at: row.claimed_at };
  }

  /** The holder's answer; kept `ttlMs`. A repeat by the same holder (a retried request) is ok. */
  complete(id: string, holder: string, resultJson: string, now: number, ttlMs: number): Result<{ completed_at: number }> {
    const row = this.row(id, now);
    if (row?.holder !== holder) return notHolder(id, row);
    if (row.state === "completed") return { ok: true, completed_at: row.completed_at! };
    this.storage.sql.exec("UPDATE idempotency SET state = 'completed', completed_at = ?, result = ?, expires_at = ? WHERE id = ?", now, resultJson, now + ttlMs, id);
    return { ok: true, completed_at: now };
  }

  /** `fn` threw: the claim is dropped so a later call may run it. Releasing nothing is ok (a retry). */
  release(id: string, holder: string, now: number): Result<{ released: boolean }> {
    const row = this.row(id, now);
    if (!row) return { ok: true, released: false };
    if (row.holder !== holder || row.state !== "claimed") return notHolder(id, row);
    this.storage.sql.exec("DELETE FROM idempotency WHERE id = ?", id);
    return { ok: true, released: true };
  }

  describe(id: string, now: number): IdempotencyDescription | null {
    const row = this.row(id, now);
    if (!row) return null;
    const { state, holder, claimed_at, completed_at, expires_at } = row;
    return { id, state, holder, claimed_at, completed_at, expires_at };
  }

  /** Drops completed records past their retention (the coordinator's alarm). Idempotent. */
  expire(now: number): number {
    return this.storage.sql.exec("DELETE FROM idempotency WHERE expires_at IS NOT NULL AND expires_at <= ?", now).rowsWritten;
  }

  /** The next retention deadline, for the alarm. */
  nextExpiry(): number | null {
    return this.storage.sql.exec<{ t: number | null }>("SELECT min(expires_at) AS t FROM idempotency").one().t;
  }

  /** An expired row reads as absent (the alarm may not have run yet). */
  private row(id: string, now: number): Row | undefined {
    const row = this.storage.sql.exec<Row>("SELECT * FROM idempotency WHERE id = ?", id).toArray()[0];
    return row && (row.expires_at === null || row.expires_at > now) ? row : undefined;
  }
}

function notHolder(id: string, row: Row | undefined) {
  const why = !row ? "nobody holds it" : row.state === "completed" ? `it was completed by ${row.holder}` : `it is held by ${row.holder}`;
  return fail("IDEMPOTENCY_NOT_CLAIMED", `this caller does not hold the claim on '${id}': ${why}`, "holder");
}
