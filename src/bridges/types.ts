/** A bridge's shape (issue 18): what the API accepts, what the BridgeDO keeps. */

export type Direction = "source" | "sink";
export type BridgeStatus = "CONNECTED" | "DISCONNECTED" | "ERROR";

/** How to reach the broker. `password` is a credential: stored encrypted, never answered. */
export interface Connection {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** Redis: the logical database (SELECT). */
  database?: number;
  /** RabbitMQ: the virtual host (default "/"). */
  vhost?: string;
}

/** One external name ↔ one of our topics. Source: external → topic; sink: topic → external. */
export interface Mapping {
  external: string;
  topic: string;
}

export interface BridgeOptions {
  /** Source: where a new bridge starts in the external stream. Default "earliest". */
  start?: "earliest" | "latest";
  /** Records per pump batch (default BRIDGE_BATCH_RECORDS). */
  batch_records?: number;
}

export interface BridgeSpec {
  name: string;
  platform: string;
  connection: Connection;
  direction: Direction;
  mapping: Mapping[];
  options: BridgeOptions;
}

/** What an adapter is built from. */
export interface AdapterOptions {
  /**
   * The bridge's name and incarnation ("{name}:{created_at base 36}"): names the broker-side dedupe
   * state, so a bridge deleted and created again under the same name starts with none.
   */
  bridge: string;
  connection: Connection;
  /**
   * "pump": the bridge's own long-lived consumer (MQTT: the persistent session under the fixed
   * client id). "probe" (default): a check, listing or sample that must not take that session over.
   */
  role?: "pump" | "probe";
  /** The pump's mapped external names (MQTT: a kept session may still hold a subscription a PUT removed). */
  externals?: string[];
}
