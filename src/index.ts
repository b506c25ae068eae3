import { createApp } from "./http/app";

export { TopicCatalog } from "./objects/catalog";
export { PartitionDO } from "./objects/partition";
export { GroupCoordinator } from "./objects/group";
export { SchemaRegistry } from "./objects/schema-registry";
export { TxnCoordinator } from "./objects/txn";
export { BridgeDO } from "./objects/bridge";
export { RealtimeHub } from "./objects/realtime-hub";
export { StreamService } from "./rpc/service";

export default createApp();
