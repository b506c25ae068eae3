import {
  MIN_REALTIME_HEARTBEAT_MS, REALTIME_HEARTBEAT_MS, REALTIME_HUBS, REALTIME_MAX_CONNECTIONS, REALTIME_MAX_SUBSCRIPTIONS,
  REALTIME_SSE_BUFFER_BYTES, REALTIME_SSE_RETRY_MS, REALTIME_WS_BUFFER_BYTES, REALTIME_WS_STALL_MS,
} from "../core/limits";
import type { Env } from "../env";

/** Realtime limits, each a constant in src/core/limits.ts that a wrangler var of the same name may override. */
export interface RealtimeSettings {
  maxSubscriptions: number;
  maxConnections: number;
  hubs: number;
  wsBufferBytes: number;
  wsStallMs: number;
  sseBufferBytes: number;
  heartbeatMs: number;
  retryMs: number;
}

/** A var that is missing or not a positive integer within bounds keeps the default (vars are operator input, not requests). */
function intVar(raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

export function realtimeSettings(env: Env): RealtimeSettings {
  return {
    maxSubscriptions: intVar(env.REALTIME_MAX_SUBSCRIPTIONS, REALTIME_MAX_SUBSCRIPTIONS, 1, 1_000),
    maxConnections: intVar(env.REALTIME_MAX_CONNECTIONS, REALTIME_MAX_CONNECTIONS, 1, 32_768),
    hubs: intVar(env.REALTIME_HUBS, REALTIME_HUBS, 1, 1_024),
    wsBufferBytes: intVar(env.REALTIME_WS_BUFFER_BYTES, REALTIME_WS_BUFFER_BYTES, 1_024, 64 * 1024 * 1024),
    wsStallMs: intVar(env.REALTIME_WS_STALL_MS, REALTIME_WS_STALL_MS, 10, 600_000),
    sseBufferBytes: intVar(env.REALTIME_SSE_BUFFER_BYTES, REALTIME_SSE_BUFFER_BYTES, 1_024, 64 * 1024 * 1024),
    heartbeatMs: intVar(env.REALTIME_HEARTBEAT_MS, REALTIME_HEARTBEAT_MS, MIN_REALTIME_HEARTBEAT_MS, 600_000),
    retryMs: intVar(env.REALTIME_SSE_RETRY_MS, REALTIME_SSE_RETRY_MS, 0, 600_000),
  };
}
