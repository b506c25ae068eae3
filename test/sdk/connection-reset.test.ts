import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpTransport, NetworkError } from "dostream/db/stream";

/**
 * Issue 9.15: a client that reuses a kept-alive connection the server has just closed (workerd
 * closes idle ones after ~5 s) gets a reset, not an answer. The SDK re-sends an idempotent request
 * once on a fresh connection; a produce (POST) is never re-sent blindly. A real local HTTP server
 * and Node's real fetch, so the error is exactly what users see.
 */
type Behaviour = "answer" | "reset" | "close";

function serverWith(plan: Behaviour[]) {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    const what = plan[seen.length - 1] ?? "answer";
    if (what === "reset") return req.socket.resetAndDestroy(); // RST: ECONNRESET
    if (what === "close") return req.socket.destroy(); // FIN before any answer: undici's "other side closed"
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(req.url?.startsWith("/v1/topics/") ? { records: [{ partition: 0, offset: 0, timestamp: 1 }] } : { topics: [{ name: "t", partitions: 1 }] }));
  });
  server.keepAliveTimeout = 60_000;
  return { server, seen };
}

let running: ReturnType<typeof createServer> | undefined;
afterEach(() => {
  running?.closeAllConnections();
  running?.close();
});

async function start(plan: Behaviour[]) {
  const s = serverWith(plan);
  running = s.server;
  await new Promise<void>((ok) => s.server.listen(0, "127.0.0.1", ok));
  return { ...s, url: `http://127.0.0.1:${(s.server.address() as AddressInfo).port}` };
}

describe("a reset connection", () => {
  for (const how of ["reset", "close"] as const) {
    it(`re-sends a GET once on a fresh connection (${how})`, async () => {
      const { url, seen } = await start(["answer", how, "answer"]);
      const t = new HttpTransport({ url });
      expect(await t.listTopics()).toEqual([{ name: "t", partitions: 1 }]);
      // The second request goes out on the kept-alive connection and is cut off; the SDK asks again.
      expect(await t.listTopics()).toEqual([{ name: "t", partitions: 1 }]);
      expect(seen).toEqual(["GET /v1/topics", "GET /v1/topics", "GET /v1/topics"]);
    });
  }

  it("does not re-send a produce (not idempotent): the caller's retry policy decides", async () => {
    const { url, seen } = await start(["answer", "reset"]);
    const t = new HttpTransport({ url });
    await t.listTopics();
    await expect(t.produce("t", [{ value: 1 }])).rejects.toBeInstanceOf(NetworkError);
    expect(seen).toEqual(["GET /v1/topics", "POST /v1/topics/t/records"]);
  });

  it("gives up after one re-send when the engine keeps resetting", async () => {
    const { url, seen } = await start(["reset", "reset", "reset"]);
    const t = new HttpTransport({ url });
    await expect(t.listTopics()).rejects.toBeInstanceOf(NetworkError);
    expect(seen).toHaveLength(2);
  });
});
