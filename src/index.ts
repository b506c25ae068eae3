import { createApp } from "./http/app";

export { TopicCatalog } from "./objects/catalog";
export { PartitionDO } from "./objects/partition";
export { StreamService } from "./rpc/service";

export default createApp();
