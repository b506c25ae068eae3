import type { z } from "zod";
import type { bridgeAnswer } from "../api/responses/bridges";
import type { Result } from "../core/errors";
import type { ExternalTopic } from "./adapter";
import type { BridgeSpec } from "./types";

/** A bridge as the API answers it (src/api/responses/bridges.ts): the spec with its password redacted, and its status. */
export type BridgeView = z.input<typeof bridgeAnswer>;

/**
 * The RPC surface of a bridge's object (src/objects/bridge.ts). `Env` types the BRIDGES binding
 * with it instead of the class, because the object pumps through routing, which reads `Env`:
 * importing the class there would close an import loop (issue 10).
 */
export interface BridgeRpc extends Rpc.DurableObjectBranded {
  create(spec: BridgeSpec, sealedPassword: string | null): Promise<Result<{ bridge: BridgeView }>>;
  describe(): Result<{ bridge: BridgeView }>;
  update(spec: BridgeSpec, sealedPassword: string | null | "keep"): Promise<Result<{ bridge: BridgeView }>>;
  reconnect(): Promise<Result<{ bridge: BridgeView }>>;
  disconnect(): Promise<Result<{ bridge: BridgeView }>>;
  destroy(): Promise<Result<{ deleted: true }>>;
  listExternal(): Promise<Result<{ topics: ExternalTopic[] }>>;
  sample(external: string, max: number): Promise<Result<{ values: string[] }>>;
}
