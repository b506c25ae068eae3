import { createTopic } from "../broker/admin";
import { produce } from "../broker/produce";
import { lookupTopic } from "../broker/topics";
import type { TopicConfig } from "../core/config";
import type { Env } from "../env";

/**
 * CDC events (seed 003, issue 16): for a topic with `cdc.enabled=true`, its produces, its group
 * commits and its lifecycle are written as JSON records to the internal topic `__cdc` (created on
 * first use, one partition, keyed by topic so one topic's events keep their order), consumable
 * like any other topic. Events are written after the change succeeded and are awaited by the
 * request that made it; a crash between the two loses the event (at most once), and the request
 * never fails because of CDC.
 */
export const CDC_TOPIC = "__cdc";

export type CdcEvent =
  | { type: "stream.produce"; topic: string; partition: number; offset: number; key: string | null; timestamp: string }
  | { type: "stream.commit"; groupId: string; topic: string; partition: number; offset: number }
  | { type: "topic.created" | "topic.deleted" | "topic.config_changed"; topic: string; timestamp: string }
  | { type: "group.member_joined"; groupId: string; memberId: string; topics: string[]; timestamp: string };

export const cdcEnabled = (config: Partial<TopicConfig> | undefined) => config?.["cdc.enabled"] === true;

/** Is CDC on for this topic? Reads the isolate's topic metadata cache (no call when warm). */
export async function topicHasCdc(env: Env, topic: string): Promise<boolean> {
  if (topic === CDC_TOPIC) return false;
  const r = await lookupTopic(env, topic);
  return r.ok && cdcEnabled(r.topic.config);
}

export async function emit(env: Env, events: CdcEvent[]): Promise<void> {
  if (events.length === 0) return;
  const records = events.map((e) => ({ key: "topic" in e ? e.topic : e.groupId, value: e }));
  try {
    let r = await produce(env, CDC_TOPIC, records);
    if (!r.ok && r.error.code === "UNKNOWN_TOPIC_OR_PARTITION") {
      await createTopic(env, { name: CDC_TOPIC, partitions: 1 });
      r = await produce(env, CDC_TOPIC, records);
    }
    if (!r.ok) console.error("cdc: events not written", r.error);
  } catch (err) {
    console.error("cdc: events not written", err);
  }
}
