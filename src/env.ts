import type { TopicCatalog } from "./objects/catalog";
import type { PartitionDO } from "./objects/partition";
import type { GroupCoordinator } from "./objects/group";
import type { SchemaRegistry } from "./objects/schema-registry";
import type { TxnCoordinator } from "./objects/txn";
import type { BridgeDO } from "./objects/bridge";

/** Bindings declared in wrangler.toml. */
export interface Env {
  CATALOG: DurableObjectNamespace<TopicCatalog>;
  PARTITIONS: DurableObjectNamespace<PartitionDO>;
  GROUPS: DurableObjectNamespace<GroupCoordinator>;
  SCHEMAS: DurableObjectNamespace<SchemaRegistry>;
  TXNS: DurableObjectNamespace<TxnCoordinator>;
  /** One BridgeDO per bridge to an external broker (issue 18). */
  BRIDGES: DurableObjectNamespace<BridgeDO>;
  /** Worker secret: 32 bytes of base64, the AES-GCM key for bridge credentials. Unset locally: the catalog keeps a generated one. */
  BRIDGE_KEY?: string;
  SEGMENTS: R2Bucket;
  /** How Iceberg readers address the SEGMENTS bucket (R2's S3 API), written into table metadata. */
  SEGMENTS_BUCKET_URI?: string;
  /** Optional Cloudflare Pipeline: when bound, rolled segments go there instead of the embedded Iceberg table. */
  COLD_PIPELINE?: { send(records: object[]): Promise<void> };
  DEFAULT_PARTITIONS?: string;
  /** Kafka's group.min.session.timeout.ms, in ms (default DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS). */
  GROUP_MIN_SESSION_TIMEOUT_MS?: string;
}

type DostreamEnv = Env;
declare global {
  namespace Cloudflare {
    interface Env extends DostreamEnv {}
  }
}
