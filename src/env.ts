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
}

type DostreamEnv = Env;
declare global {
  namespace Cloudflare {
    interface Env extends DostreamEnv {}
  }
}
