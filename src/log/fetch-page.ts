import type { FetchRequest } from "./types";

/**
 * The records of one fetch answer as they are gathered, hot (PartitionLog.read) or warm
 * (WarmTier.read) alike, so Kafka's paging rules are written once:
 * - at most `maxRecords` records and about `maxBytes`, yet the first record is taken even when it
 *   is larger than `maxBytes`, so a consumer can always make progress (KIP-74);
 * - under read_committed an aborted record is skipped, and `next` moves past it so a reader never
 *   reads it again.
 */
export class FetchPage {
  private readonly parts: string[] = [];
  private bytes = 0;
  /** Where the next fetch starts: past every record taken or skipped. */
  next: number;

  constructor(private readonly req: Pick<FetchRequest, "offset" | "maxRecords" | "maxBytes" | "isolation">) {
    this.next = req.offset;
  }

  /** Offers the record at `offset` (`encode` runs only if it is taken). False when the page is full: stop. */
  offer(offset: number, size: number, aborted: boolean, encode: () => string): boolean {
    if (aborted && this.req.isolation === "read_committed") {
      this.next = offset + 1;
      return true;
    }
    if (this.full || (this.parts.length > 0 && this.bytes + size > this.req.maxBytes)) return false;
    this.bytes += size;
    this.parts.push(encode());
    this.next = offset + 1;
    return true;
  }

  get count(): number {
    return this.parts.length;
  }

  /** No room for another record by count. */
  get full(): boolean {
    return this.parts.length >= this.req.maxRecords;
  }

  /** Bytes a reader may still fetch for this page: all of maxBytes while empty (the first record may exceed it). */
  budget(): number {
    return this.parts.length === 0 ? this.req.maxBytes : Math.max(0, this.req.maxBytes - this.bytes);
  }

  /** The records as the JSON array of the fetch answer. */
  json(): string {
    return `[${this.parts.join(",")}]`;
  }
}
