import { describe, expect, it } from "vitest";
import { Kafka } from "@upstash/kafka";
import { unique, useEngine } from "./harness";

// Issue 19 on top of issue 16: with AUTH_MODE=on the Upstash-style surface checks Kafka's ACL
// operations per topic and group (src/compat/upstash/acl.ts), with the API key as the Basic
// password of the official client. Refusals go through fetch directly: the client retries every
// failed call five times with backoff.
const ADMIN = "e2e-upstash-bootstrap-0123456789abcdef";
const { holder } = useEngine({ vars: { AUTH_MODE: "on", BOOTSTRAP_ADMIN_KEY: ADMIN } });

async function native(method: string, path: string, body?: unknown) {
  const res = await fetch(holder.engine.url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

async function keyWith(entitlements: string[]): Promise<string> {
  const r = await native("POST", "/v1/auth/keys", { name: unique("upstash-key"), entitlements });
  expect(r.status).toBe(201);
  return r.body.key as string;
}

async function topic(): Promise<string> {
  const name = unique("ua");
  expect((await native("POST", "/v1/topics", { name, partitions: 1 })).status).toBe(201);
  return name;
}

const kafka = (key: string) => new Kafka({ url: `${holder.engine.url}/kafka`, username: "app", password: key });
const basic = (key: string) => `Basic ${Buffer.from(`app:${key}`).toString("base64")}`;
async function raw(key: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`${holder.engine.url}/kafka${path}`, {
    method,
    headers: { ...(key ? { authorization: basic(key) } : {}), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
const highWatermark = async (t: string) => (await native("GET", `/v1/topics/${t}/offsets?at=latest`)).body.partitions[0].offset as number;

describe("Upstash-style REST with per-topic ACLs (AUTH_MODE=on)", () => {
  it("a key with WRITE on topic a produces to a, is refused b and reads nothing, and lists only a", async () => {
    const [a, b] = [await topic(), await topic()];
    const key = await keyWith([`topic:${a}:write`]);
    const written = await kafka(key).producer().produce(a, "hello");
    expect(written).toMatchObject({ topic: a, partition: 0, offset: 0 });

    const refused = await raw(key, "POST", `/produce/${b}`, { value: "no" });
    expect(refused).toEqual({ status: 403, body: { error: expect.stringContaining(`topic '${b}'`), status: 403 } });
    // A body naming a topic it may not write is refused whole: nothing reaches a either.
    expect((await raw(key, "POST", "/produce", [{ topic: a, value: "x" }, { topic: b, value: "y" }])).status).toBe(403);
    expect(await highWatermark(a)).toBe(1);
    expect(await highWatermark(b)).toBe(0);

    expect((await raw(key, "POST", "/fetch", { topic: a, partition: 0, offset: 0 })).status).toBe(403);
    expect((await raw(key, "POST", "/offsets/latest", [{ topic: b, partition: 0 }])).status).toBe(403);
    expect(Object.keys((await raw(key, "GET", "/topics")).body)).toEqual([a]); // write implies describe
    expect((await raw(undefined, "GET", "/topics")).status).toBe(401);
  });

  it("a reader consumes and commits for its group only, and sees only that group's instances", async () => {
    const [t, other] = [await topic(), await topic()];
    const [group, hidden] = [unique("ug"), unique("uh")];
    await kafka(ADMIN).producer().produceMany([{ topic: t, value: "m0" }, { topic: t, value: "m1" }]);
    await kafka(ADMIN).consumer().consume({ consumerGroupId: hidden, instanceId: "x", topics: [t], autoOffsetReset: "earliest" });
    const key = await keyWith([`topic:${t}:read`, `group:${group}:read`]);

    const got = await kafka(key).consumer().consume({ consumerGroupId: group, instanceId: "i1", topics: [t], autoOffsetReset: "earliest" });
    expect(got.map((m) => m.value)).toEqual(["m0", "m1"]);
    const committed = await kafka(key).consumer().committed({ consumerGroupId: group, instanceId: "i1", topicPartitions: [{ topic: t, partition: 0 }] });
    expect(committed[0].offset).toBe(2);
    expect((await raw(key, "POST", `/commit/${group}/i1`)).status).toBe(200);

    // READ on every topic as well as on the group; another group is refused.
    expect((await raw(key, "POST", `/consume/${group}/i1`, { topics: [t, other] })).status).toBe(403);
    expect((await raw(key, "POST", `/consume/${hidden}/i1`, { topic: t })).status).toBe(403);
    expect((await raw(key, "POST", `/commit/${hidden}/x`, { topic: t, partition: 0, offset: 0 })).status).toBe(403);
    expect((await raw(key, "POST", `/committed/${hidden}/x`)).status).toBe(403);
    // Deleting an instance is Kafka's DeleteGroups (DELETE on the group): admin here, not read.
    expect((await raw(key, "POST", `/delete-consumer/${group}/i1`)).status).toBe(403);

    const consumers = (await raw(key, "GET", "/consumers")).body as Array<{ name: string }>;
    expect(consumers.map((c) => c.name)).toEqual([group]);
    const all = (await raw(ADMIN, "GET", "/consumers")).body as Array<{ name: string }>;
    expect(all.map((c) => c.name)).toEqual(expect.arrayContaining([group, hidden]));

    // The native group list shows the real groups, not the instances' shadow groups.
    const listed = ((await native("GET", "/v1/groups")).body.groups as Array<{ group_id: string }>).map((g) => g.group_id);
    expect(listed).toEqual(expect.arrayContaining([group, hidden]));
    expect(listed.filter((g) => g.startsWith("__kafka-rest."))).toEqual([]);
  });
});
