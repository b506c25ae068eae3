import { cdcEnabled } from "../cdc/events";
import { emit } from "./cdc";
import type { CreateTopicInput, TopicInfo } from "../catalog/types";
import type { Result } from "../core/errors";
import type { Env } from "../env";
import { catalogStub } from "./stubs";
import { syncDiscovery } from "./schema";
import { forgetTopic } from "./topics";

const DISCOVERY_KEY = "schema.discovery.interval.ms";

/** Topic administration: the catalog decides; this isolate's metadata cache forgets the topic. */
async function changeTopic(name: string, change: Promise<Result<{ topic: TopicInfo }>>): Promise<Result<{ topic: TopicInfo }>> {
  try {
    return await change;
  } finally {
    forgetTopic(name);
  }
}

/** CDC (issue 16): a topic with cdc.enabled reports its lifecycle to `__cdc`. */
async function lifecycle(env: Env, type: "topic.created" | "topic.deleted" | "topic.config_changed", change: Promise<Result<{ topic: TopicInfo }>>) {
  const r = await change;
  if (r.ok && cdcEnabled(r.topic.config)) await emit(env, [{ type, topic: r.topic.name, timestamp: new Date().toISOString() }]);
  return r;
}

export const createTopic = (env: Env, input: CreateTopicInput) => lifecycle(env, "topic.created", withDiscovery(env, input.config, changeTopic(input.name, catalogStub(env).create(input))));
/**
 * When a change sets `schema.discovery.interval.ms`, tell the topic's schema registry, which arms
 * its alarm. Not atomic with the catalog: if this call fails, the next discovery of the topic
 * (GET /schema) re-arms it, and the alarm itself re-reads the config on every run.
 */
async function withDiscovery(env: Env, config: Record<string, unknown> | undefined, change: Promise<Result<{ topic: TopicInfo }>>) {
  const r = await change;
  if (r.ok && config && DISCOVERY_KEY in config) await syncDiscovery(env, r.topic);
  return r;
}

export const deleteTopic = (env: Env, name: string) => lifecycle(env, "topic.deleted", changeTopic(name, catalogStub(env).delete(name)));
export const addPartitions = (env: Env, name: string, count: number) => changeTopic(name, catalogStub(env).addPartitions(name, count));
export const alterTopicConfig = (env: Env, name: string, patch: Record<string, unknown>) =>
  lifecycle(env, "topic.config_changed", withDiscovery(env, patch, changeTopic(name, catalogStub(env).alterConfig(name, patch))));
export const listTopics = (env: Env): Promise<TopicInfo[]> => catalogStub(env).list();
/** Cluster totals from the summaries partitions report to the catalog (src/stats/). */
export const clusterStats = (env: Env) => catalogStub(env).stats();
