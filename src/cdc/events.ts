import type { TopicConfig } from "../core/config";

/**
 * CDC events (seed 003, issue 16): for a topic with `cdc.enabled=true`, its produces, its group
 * commits and its lifecycle are written as JSON records to the internal topic `__cdc` (created on
 * first use, one partition, keyed by topic so one topic's events keep their order), consumable
 * like any other topic. Events are written after the change succeeded and are awaited by the
 * request that made it; a crash between the two loses the event (at most once), and the request
 * never fails because of CDC. The writer is src/routing/cdc.ts.
 */
export const CDC_TOPIC = "__cdc";

export type CdcEvent =
  | { type: "stream.produce"; topic: string; partition: number; offset: number; key: string | null; timestamp: string }
  | { type: "stream.commit"; groupId: string; topic: string; partition: number; offset: number }
  | { type: "topic.created" | "topic.deleted" | "topic.config_changed"; topic: string; timestamp: string }
  | { type: "group.member_joined"; groupId: string; memberId: string; topics: string[]; timestamp: string };

export const cdcEnabled = (config: Partial<TopicConfig> | undefined) => config?.["cdc.enabled"] === true;
