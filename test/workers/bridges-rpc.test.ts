import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { unique } from "./helpers";

// Issue 18: the bridge operations over the StreamService binding return Results with the same
// codes as HTTP. Moving records against real brokers is tested end to end (test/e2e/bridges-*.test.ts).
const svc = (exports as any).StreamService as import("../../src/rpc/service").StreamService;

describe("bridges over RPC", () => {
  it("answers bad input as failures and creates nothing", async () => {
    const t = unique("brpc");
    expect((await svc.createTopic({ name: t })).ok).toBe(true);
    const base = { name: "rpc-b", platform: "redis", connection: { host: "127.0.0.1" }, direction: "source", mapping: [{ external: "s", topic: t }] };
    expect(await svc.createBridge({ ...base, platform: "pulsar" })).toMatchObject({ ok: false, error: { code: "UNSUPPORTED_PLATFORM", field: "platform" } });
    expect(await svc.createBridge({ ...base, connection: { host: "127.0.0.1", port: 0 } })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST", field: "connection.port" } });
    expect(await svc.createBridge({ ...base, mapping: [{ external: "s", topic: unique("none") }] })).toMatchObject({ ok: false, error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } });
    expect(await svc.describeBridge("rpc-b")).toMatchObject({ ok: false, error: { code: "BRIDGE_NOT_FOUND" } });
    expect(await svc.bridgeAction("rpc-b", "explode" as never)).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    const list = await svc.listBridges();
    expect(list.ok && list.bridges).toEqual([]);
  });

  it("lists the capability table", async () => {
    const r = await svc.bridgePlatforms();
    expect(r.platforms.find((p) => p.platform === "kinesis")).toMatchObject({ status: "not yet" });
    expect(r.platforms.find((p) => p.platform === "redis")).toMatchObject({ status: "available", idempotent_sink: true });
  });
});
