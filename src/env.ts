import type { TopicCatalog } from "./objects/catalog";
import type { PartitionDO } from "./objects/partition";
import type { GroupCoordinator } from "./objects/group";
import type { SchemaRegistry } from "./objects/schema-registry";
import type { TxnCoordinator } from "./objects/txn";
import type { BridgeRpc } from "./bridges/view";
import type { RealtimeHubRpc } from "./realtime/rpc";

/** Bindings declared in wrangler.toml. */
export interface Env {
  CATALOG: DurableObjectNamespace<TopicCatalog>;
  PARTITIONS: DurableObjectNamespace<PartitionDO>;
  GROUPS: DurableObjectNamespace<GroupCoordinator>;
  SCHEMAS: DurableObjectNamespace<SchemaRegistry>;
  TXNS: DurableObjectNamespace<TxnCoordinator>;
  /** One BridgeDO per bridge to an external broker (issue 18). */
  BRIDGES: DurableObjectNamespace<BridgeRpc>;
  /** Worker secret: 32 bytes of base64, the AES-GCM key for bridge credentials. Unset locally: the catalog keeps a generated one. */
  BRIDGE_KEY?: string;
  /** SSE streams and WebSocket connections (issue 15): hubs that partitions wake on append. */
  REALTIME: DurableObjectNamespace<RealtimeHubRpc>;
  SEGMENTS: R2Bucket;
  /** How Iceberg readers address the SEGMENTS bucket (R2's S3 API), written into table metadata. */
  SEGMENTS_BUCKET_URI?: string;
  /** Optional Cloudflare Pipeline: when bound, rolled segments go there instead of the embedded Iceberg table. */
  COLD_PIPELINE?: { send(records: object[]): Promise<void> };
  DEFAULT_PARTITIONS?: string;
  /** Kafka's group.min.session.timeout.ms, in ms (default DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS). */
  GROUP_MIN_SESSION_TIMEOUT_MS?: string;
  /** Realtime limits (src/core/limits.ts names the defaults; src/realtime/settings.ts bounds them). */
  REALTIME_MAX_SUBSCRIPTIONS?: string;
  REALTIME_MAX_CONNECTIONS?: string;
  REALTIME_HUBS?: string;
  REALTIME_WS_BUFFER_BYTES?: string;
  REALTIME_WS_STALL_MS?: string;
  REALTIME_SSE_BUFFER_BYTES?: string;
  REALTIME_HEARTBEAT_MS?: string;
  REALTIME_SSE_RETRY_MS?: string;
  // Issue 16 (docs/security.md): authentication, authorisation and limits.
  /** on | open | off; unset or off serves without auth only where DOSTREAM_LOCAL=1. */
  AUTH_MODE?: string;
  /** Set by `npm start`, `npm run dev` and the test pool: this engine runs on one machine. */
  DOSTREAM_LOCAL?: string;
  JWT_SECRET?: string;
  JWKS_URL?: string;
  /** Inline JSON Web Key Set (JSON text) instead of JWKS_URL. */
  JWKS?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_CLOCK_SKEW_S?: string;
  /** A secret that authenticates as the admin principal `key:bootstrap`, to create the first keys. */
  BOOTSTRAP_ADMIN_KEY?: string;
  LIMIT_REQUESTS_PER_SECOND?: string;
  LIMIT_PRODUCE_BYTES_PER_SECOND?: string;
  LIMIT_CONCURRENT_REQUESTS?: string;
  /** Where the Upstash-Kafka-style REST surface is served (issue 19); default /kafka. */
  KAFKA_REST_PREFIX?: string;
}

type DostreamEnv = Env;
declare global {
  namespace Cloudflare {
    interface Env extends DostreamEnv {}
  }
}
