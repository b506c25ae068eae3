import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { http, startEngine, unique, type Engine } from "./harness";
import { openSse, openWs, until } from "./realtime-client";

// REALTIME_MAX_CONNECTIONS (issue 15): a hub past its limit refuses a new SSE stream or WebSocket
// with 429 CONNECTION_LIMIT_EXCEEDED (retriable), and takes connections again once one closes.
let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ configs: ["test/fixtures/realtime-tight/wrangler.toml"] });
});
afterAll(async () => {
  await engine?.stop();
});

describe("connections per hub", () => {
  it("refuses the third WebSocket and the third SSE stream of a hub, then accepts again", async () => {
    const wsUrl = `${engine.url.replace("http", "ws")}/v1/ws`;
    const a = await openWs(wsUrl);
    const b = await openWs(wsUrl);
    const refused = await new Promise<number>((ok) => {
      const ws = new WebSocket(wsUrl);
      ws.on("unexpected-response", (_req, res) => ok(res.statusCode ?? 0));
      ws.on("open", () => ok(101));
    });
    expect(refused).toBe(429);
    a.close();
    await a.closed;
    let again: Awaited<ReturnType<typeof openWs>> | undefined;
    for (let i = 0; i < 50 && !again; i++) again = await openWs(wsUrl).catch(() => new Promise<undefined>((ok) => setTimeout(() => ok(undefined), 100)));
    expect(again).toBeDefined();
    again!.close();
    b.close();

    const topic = unique("tight");
    expect((await http(engine.url, "POST", "/v1/topics", { name: topic, partitions: 1 })).status).toBe(201);
    const s1 = openSse(`${engine.url}/v1/topics/${topic}/events`);
    const s2 = openSse(`${engine.url}/v1/topics/${topic}/events`);
    await until(() => s1.ready && s2.ready, "two streams");
    const third = await http(engine.url, "GET", `/v1/topics/${topic}/events`);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe("CONNECTION_LIMIT_EXCEEDED");
    s1.close();
    s2.close();
  });
});
