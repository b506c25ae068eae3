import type { CreateTopicInput, TopicInfo } from "../catalog/types";
import type { Result } from "../core/errors";
import type { Env } from "../env";
import { catalogStub } from "./stubs";
import { forgetTopic } from "./topics";

/** Topic administration: the catalog decides; this isolate's metadata cache forgets the topic. */
async function changeTopic(name: string, change: Promise<Result<{ topic: TopicInfo }>>): Promise<Result<{ topic: TopicInfo }>> {
  try {
    return await change;
  } finally {
    forgetTopic(name);
  }
}

export const createTopic = (env: Env, input: CreateTopicInput) => changeTopic(input.name, catalogStub(env).create(input));
export const deleteTopic = (env: Env, name: string) => changeTopic(name, catalogStub(env).delete(name));
export const addPartitions = (env: Env, name: string, count: number) => changeTopic(name, catalogStub(env).addPartitions(name, count));
export const alterTopicConfig = (env: Env, name: string, patch: Record<string, unknown>) =>
  changeTopic(name, catalogStub(env).alterConfig(name, patch));
export const listTopics = (env: Env): Promise<TopicInfo[]> => catalogStub(env).list();
/** Cluster totals from the summaries partitions report to the catalog (src/stats/). */
export const clusterStats = (env: Env) => catalogStub(env).stats();
