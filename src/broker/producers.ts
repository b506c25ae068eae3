import type { Env } from "../env";
import { catalogStub } from "./stubs";

/** Kafka's InitProducerId: a fresh producer id, or a transactional id's id with its epoch bumped. */
export function initProducer(env: Env, transactionalId: string | null) {
  return catalogStub(env).initProducer(transactionalId);
}
