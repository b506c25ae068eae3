import type { KeyView, KeyViewRow, ViewKey } from "../log/key-view";
import { TXN_ABORTED, TXN_OPEN } from "../log/txn-markers";

/** What the cleaner needs to know about one record (hot row or warm segment row). */
export interface CleanableRecord {
  offset: number;
  timestamp: number;
  key: ViewKey | null;
  tombstone: boolean;
  txnState: number;
}

/** One pass's fixed facts (issue 13). */
export interface CleanContext {
  /** Records below it were written before the view existed: kept unless the view has a newer record of their key. */
  viewStart: number;
  /** Kafka's last stable offset now: a newer record decides only once read_committed readers can see it. */
  lastStable: number;
  /** Tombstones with a timestamp at or before this are removed (now − delete.retention.ms). */
  tombstoneHorizon: number;
}

export type Verdict = "keep" | "drop" | "drop-tombstone";

/**
 * Kafka's log-cleaner rules over the key view (our OffsetMap): a record goes when its key has a
 * newer committed record; a key's latest record stays, except a tombstone older than
 * delete.retention.ms, which goes with the key's view entry ("drop-tombstone"); records of
 * aborted transactions go (Kafka drops aborted batches); records without a key stay (Kafka
 * refuses them on compacted topics; here a topic may have become compacted later).
 */
export function verdict(r: CleanableRecord, latest: KeyViewRow | null, ctx: CleanContext): Verdict {
  if (r.txnState === TXN_ABORTED) return "drop";
  if (r.key === null || r.txnState === TXN_OPEN) return "keep";
  if (latest) {
    if (latest.offset > r.offset) return latest.offset < ctx.lastStable ? "drop" : "keep";
    if (latest.offset === r.offset && r.tombstone && r.timestamp <= ctx.tombstoneHorizon) return "drop-tombstone";
    return "keep";
  }
  // No entry: the key's tombstone was already removed, so everything older of it is obsolete.
  return r.offset >= ctx.viewStart ? "drop" : "keep";
}

/** Looks keys up in the view once per page (a page repeats hot keys). */
export class ViewLookup {
  private readonly cache = new Map<string, KeyViewRow | null>();
  constructor(private readonly view: KeyView) {}

  latest(key: ViewKey): KeyViewRow | null {
    const id = typeof key === "string" ? `s${key}` : `b${hex(key)}`;
    let row = this.cache.get(id);
    if (row === undefined) {
      row = this.view.latest(key);
      if (this.cache.size >= 10_000) this.cache.clear(); // bounded: a page of distinct keys
      this.cache.set(id, row);
    }
    return row;
  }
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const b of u8) s += b.toString(16).padStart(2, "0");
  return s;
}
