/**
 * The RPC surface of a realtime hub (src/objects/realtime-hub.ts) besides `fetch`. `Env` types the
 * REALTIME binding with it instead of the class, because the hub reads through routing, which
 * reads `Env`: importing the class there would close an import loop (issue 10).
 */
export interface RealtimeHubRpc extends Rpc.DurableObjectBranded {
  /** A partition appended: pump its subscribers. False tells the partition to stop waking this hub. */
  wake(topicId: string, partition: number): boolean;
}
