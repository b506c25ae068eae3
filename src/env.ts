import type { TopicCatalog } from "./objects/catalog";
import type { PartitionDO } from "./objects/partition";
import type { GroupCoordinator } from "./objects/group";
import type { SchemaRegistry } from "./objects/schema-registry";
import type { TxnCoordinator } from "./objects/txn";

/** Bindings declared in wrangler.toml. */
export interface Env {
  CATALOG: DurableObjectNamespace<TopicCatalog>;
  PARTITIONS: DurableObjectNamespace<PartitionDO>;
  GROUPS: DurableObjectNamespace<GroupCoordinator>;
  SCHEMAS: DurableObjectNamespace<SchemaRegistry>;
  TXNS: DurableObjectNamespace<TxnCoordinator>;
  SEGMENTS: R2Bucket;
  /** How Iceberg readers address the SEGMENTS bucket (R2's S3 API), written into table metadata. */
  SEGMENTS_BUCKET_URI?: string;
  /** Optional Cloudflare Pipeline: when bound, rolled segments go there instead of the embedded Iceberg table. */
  COLD_PIPELINE?: { send(records: object[]): Promise<void> };
  DEFAULT_PARTITIONS?: string;
  /** Where the Upstash-Kafka-style REST surface is served (issue 19); default /kafka. */
  KAFKA_REST_PREFIX?: string;
}

type DostreamEnv = Env;
declare global {
  namespace Cloudflare {
    interface Env extends DostreamEnv {}
  }
}
