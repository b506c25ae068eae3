import type { ErrorBody } from "../core/errors";
import type { Sink, Subscription } from "./hub";
import { CLOSE_BUFFER_FULL, CLOSE_BUFFER_FULL_REASON } from "./protocol";
import { recordOffset } from "./positions";

/** A subscription that may be a consumer-group member (WebSocket, or SSE with `group=`). */
export interface MemberSubscription extends Subscription {
  id: string;
  group?: GroupMember;
  /** Where a group member starts on a partition the group never committed. */
  reset: "earliest" | "latest";
  /** SSE has no acks: its delivered positions are committed on every heartbeat and on close. */
  autoCommit?: boolean;
}

/** What a WebSocket subscription is, beyond the hub's Subscription: its id on the connection and an optional group membership. */
export interface WsSubscription extends MemberSubscription {
  conn: string;
}

export interface GroupMember {
  groupId: string;
  memberId: string;
  generation: number;
  heartbeatIntervalMs: number;
  nextHeartbeat: number;
}

/**
 * One WebSocket connection's sink (issue 15, item 4). The runtime does not tell a Durable Object
 * how much a socket has buffered, so the send buffer is counted in acknowledgements: bytes sent
 * and not yet acknowledged by an `ack`. Once `bufferBytes` are unacknowledged the connection's
 * subscriptions wait at their positions (nothing is read or queued for them); an ack that frees
 * room resumes them. A client that stays full for `stallMs` is closed with 4008 BUFFER_FULL: the
 * hub never queues a slow client's backlog, and a client that stopped reading is let go. Kept in
 * memory: after hibernation the count starts again at zero (lenient; the hub holds nothing).
 */
export class WsConnection implements Sink {
  private unacked = 0;
  private readonly inflight: Array<{ id: string; partition: number; last: number; bytes: number }> = [];
  closed = false;
  private stall: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly bufferBytes: number,
    private readonly stallMs: number,
    private readonly persist: (sub: WsSubscription) => void,
    private readonly onResume: () => void,
  ) {}

  ready(): boolean {
    return !this.closed && this.unacked < this.bufferBytes;
  }

  deliver(sub: Subscription, partition: number, records: string[], next: number): void {
    const s = sub as WsSubscription;
    this.persist(s);
    if (records.length === 0 || this.closed) return;
    const msg = `{"type":"records","id":${JSON.stringify(s.id)},"topic":${JSON.stringify(s.topic)},"partition":${partition},"records":[${records.join(",")}],"next_offset":${next}}`;
    // Sent even when it overshoots: a delivery is at most one read (REALTIME_READ_MAX_BYTES), and
    // the subscription's position already moved past it.
    this.send(msg);
    this.unacked += msg.length;
    this.inflight.push({ id: s.id, partition, last: recordOffset(records[records.length - 1]!), bytes: msg.length });
    if (this.unacked >= this.bufferBytes && this.stall === null) {
      this.stall = setTimeout(() => this.close(CLOSE_BUFFER_FULL, CLOSE_BUFFER_FULL_REASON), this.stallMs);
    }
  }

  /** Room again: stop the stall clock and let the paused subscriptions catch up. */
  private freed(): void {
    if (this.unacked >= this.bufferBytes || this.closed) return;
    if (this.stall !== null) {
      clearTimeout(this.stall);
      this.stall = null;
      this.onResume();
    }
  }

  fail(sub: Subscription, error: ErrorBody): void {
    this.send(JSON.stringify({ type: "error", id: (sub as WsSubscription).id, error }));
  }

  /** Frees what the client acknowledged: every delivery of this subscription and partition up to `offset`. */
  ack(id: string, partition: number, offset: number): void {
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      const f = this.inflight[i]!;
      if (f.id === id && f.partition === partition && f.last <= offset) {
        this.unacked -= f.bytes;
        this.inflight.splice(i, 1);
      }
    }
    this.freed();
  }

  /** A subscription left: its deliveries no longer count. */
  forget(id: string): void {
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      if (this.inflight[i]!.id === id) {
        this.unacked -= this.inflight[i]!.bytes;
        this.inflight.splice(i, 1);
      }
    }
    this.freed();
  }

  send(text: string): void {
    if (this.closed) return;
    try {
      this.ws.send(text);
    } catch {
      this.closed = true;
    }
  }

  close(code: number, reason: string): void {
    if (this.stall !== null) clearTimeout(this.stall);
    this.stall = null;
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(code, reason);
    } catch {
      // already closing
    }
  }
}
