import type { TopicCatalog } from "./objects/catalog";
import type { PartitionDO } from "./objects/partition";
import type { GroupCoordinator } from "./objects/group";

/** Bindings declared in wrangler.toml. */
export interface Env {
  CATALOG: DurableObjectNamespace<TopicCatalog>;
  PARTITIONS: DurableObjectNamespace<PartitionDO>;
  GROUPS: DurableObjectNamespace<GroupCoordinator>;
  SEGMENTS: R2Bucket;
  DEFAULT_PARTITIONS?: string;
}

type DostreamEnv = Env;
declare global {
  namespace Cloudflare {
    interface Env extends DostreamEnv {}
  }
}
