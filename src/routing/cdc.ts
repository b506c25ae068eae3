import type { WireRecord } from "../api/wire";
import { CDC_TOPIC, cdcEnabled, type CdcEvent } from "../cdc/events";
import type { Env } from "../env";
import { appendToPartition } from "./append";
import { prepare } from "./prepare";
import { catalogStub } from "./stubs";
import { lookupTopic } from "./topics";

/**
 * Writes CDC events (issue 16; the event shapes are src/cdc/events.ts) to the internal topic
 * `__cdc`, created on first use with one partition so every event keeps its order. It appends
 * below produce and topic administration (prepare + appendToPartition, the catalog directly)
 * because both of those emit events: writing through them would close an import loop.
 * At most once: a crash between the change and its event loses the event; the request that
 * made the change never fails because of CDC.
 */
export async function emit(env: Env, events: CdcEvent[]): Promise<void> {
  if (events.length === 0) return;
  const records: WireRecord[] = events.map((e) => ({ key: "topic" in e ? e.topic : e.groupId, value: e }));
  try {
    let found = await lookupTopic(env, CDC_TOPIC);
    if (!found.ok && found.error.code === "UNKNOWN_TOPIC_OR_PARTITION") {
      const created = await catalogStub(env).create({ name: CDC_TOPIC, partitions: 1 });
      if (!created.ok && created.error.code !== "TOPIC_ALREADY_EXISTS") throw new Error(created.error.message);
      found = await lookupTopic(env, CDC_TOPIC, true);
    }
    if (!found.ok) throw new Error(found.error.message);
    const prepared = prepare(found.topic, records);
    if (!prepared.ok) throw new Error(prepared.error.message);
    const r = await appendToPartition(env, found.topic, 0, prepared.records);
    if (!r.ok) throw new Error(r.error.message);
  } catch (err) {
    console.error("cdc: events not written", err);
  }
}

/** Is CDC on for this topic? Reads the isolate's topic metadata cache (no call when warm). */
export async function topicHasCdc(env: Env, topic: string): Promise<boolean> {
  if (topic === CDC_TOPIC) return false;
  const r = await lookupTopic(env, topic);
  return r.ok && cdcEnabled(r.topic.config);
}
