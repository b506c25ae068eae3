// The fan-out suite (issue 15): one producer to 100 SSE and 100 WebSocket subscribers of one topic
// on loopback, with long-poll consumers in the same run. Lines: records delivered per second to
// each kind, and produce→deliver latency p50/p99 per delivered record, next to the long-poll
// consumers' produce→consume latency and a no-op round trip (the ceiling).
import http from "node:http";
import WebSocket from "ws";
import { engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { runPool, sleep } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const SSE_SUBSCRIBERS = Number(process.env.FANOUT_SSE ?? 100);
const WS_SUBSCRIBERS = Number(process.env.FANOUT_WS ?? 100);
const LONG_POLLERS = 10;
const PARTITIONS = 4;
const RECORDS_PER_PRODUCE = 10;
const PRODUCE_INTERVAL_MS = 20;
const RUN_MS = 5_000;
const RECORD_BYTES = 256;
const LONG_POLL_WAIT_MS = 5_000;
const DRAIN_MS = 5_000;

export const fanout = {
  name: "fanout",
  title: `fan-out: 1 producer → ${SSE_SUBSCRIBERS} SSE + ${WS_SUBSCRIBERS} WebSocket subscribers (+ ${LONG_POLLERS} long-polls)`,
  async run(ctx) {
    const { client, report, log, runId, phaseMs } = ctx;
    const base = client.baseUrl;
    log(`fanout: no-op round trips`);
    const health = () => expect200(client.request("GET", "/health"));
    await runPool({ concurrency: 1, total: 30, task: health });
    const rtt = await runPool({ concurrency: 1, total: 200, task: health });
    report.add({ id: "ceiling.fanout.rtt", kind: "ceiling", label: "no-op round trip GET /health, sequential", throughput: { value: rtt.perSecond, unit: "req/s" }, latency: summarize(rtt.latencies) });

    const topic = uniqueName("fanout", runId);
    await engine.createTopic(client, topic, PARTITIONS);
    const sentAt = new Map(); // seq → performance.now() when its produce was sent
    const lat = { sse: [], ws: [], longpoll: [] };
    const delivered = { sse: 0, ws: 0, longpoll: 0 };
    const seqOf = (recordJson) => Number(/"seq":(\d+)/.exec(recordJson)?.[1] ?? -1);
    const note = (kind, seq, now) => {
      const t0 = sentAt.get(seq);
      if (t0 === undefined) return;
      delivered[kind]++;
      lat[kind].push(now - t0);
    };

    log(`fanout: opening ${SSE_SUBSCRIBERS} SSE streams and ${WS_SUBSCRIBERS} WebSockets`);
    const closers = [];
    const opened = [];
    for (let i = 0; i < SSE_SUBSCRIBERS; i++) {
      opened.push(new Promise((ok, fail) => {
        const req = http.request(`${base}${engine.topics}/${topic}/events?from=latest`, { agent: false }, (res) => {
          if (res.statusCode !== 200) return fail(new Error(`SSE: HTTP ${res.statusCode}`));
          let buf = "";
          res.setEncoding("utf8");
          res.on("data", (chunk) => {
            const now = performance.now();
            buf += chunk;
            let end;
            while ((end = buf.indexOf("\n\n")) >= 0) {
              const ev = buf.slice(0, end);
              buf = buf.slice(end + 2);
              if (ev.startsWith("event: ready") || ev.includes("\nevent: ready")) ok();
              const data = /^data: (.*)$/m.exec(ev)?.[1];
              if (data && !ev.includes("event: ")) note("sse", seqOf(data), now);
            }
          });
        });
        req.on("error", fail);
        req.end();
        closers.push(() => req.destroy());
      }));
    }
    for (let i = 0; i < WS_SUBSCRIBERS; i++) {
      opened.push(new Promise((ok, fail) => {
        const ws = new WebSocket(`${base.replace(/^http/, "ws")}/v1/ws`);
        ws.on("error", fail);
        ws.on("open", () => ws.send(JSON.stringify({ type: "subscribe", id: "f", topic, from: "latest" })));
        ws.on("message", (d) => {
          const now = performance.now();
          const text = d.toString();
          if (text.startsWith('{"type":"subscribed"')) return ok();
          if (!text.startsWith('{"type":"records"')) return;
          const m = JSON.parse(text);
          for (const r of m.records) note("ws", r.value.seq, now);
          ws.send(JSON.stringify({ type: "ack", id: "f", partition: m.partition, offset: m.records.at(-1).offset }));
        });
        closers.push(() => ws.close());
      }));
    }
    await Promise.all(opened);

    let stopping = false;
    const pollers = Array.from({ length: LONG_POLLERS }, (_, i) => (async () => {
      const partition = i % PARTITIONS;
      let offset = (await client.json("GET", engine.partitionRecords(topic, partition, { offset: 0 }))).body?.high_watermark ?? 0;
      while (!stopping) {
        const res = await client.request("GET", engine.partitionRecords(topic, partition, { offset, max_records: 1000, wait_ms: LONG_POLL_WAIT_MS }));
        const now = performance.now();
        if (res.status !== 200) throw new Error(`long-poll: HTTP ${res.status}`);
        const page = JSON.parse(res.body);
        for (const r of page.records) note("longpoll", r.value.seq, now);
        offset = page.next_offset;
      }
    })());

    await sleep(200);
    const runMs = phaseMs(RUN_MS);
    log(`fanout: producing ${RECORDS_PER_PRODUCE} records every ${PRODUCE_INTERVAL_MS} ms for ${runMs} ms`);
    const start = performance.now();
    let seq = 0;
    for (let n = 0; performance.now() - start < runMs; n++) {
      const wait = start + n * PRODUCE_INTERVAL_MS - performance.now();
      if (wait > 0) await sleep(wait);
      const values = Array.from({ length: RECORDS_PER_PRODUCE }, () => paddedValue(RECORD_BYTES, { seq: seq++ }));
      const t0 = performance.now();
      for (const v of values) sentAt.set(v.seq, t0);
      await expect200(client.request("POST", engine.records(topic), engine.produceBody(values)));
    }
    const produced = seq;
    const want = produced * (SSE_SUBSCRIBERS + WS_SUBSCRIBERS);
    const drainUntil = performance.now() + DRAIN_MS;
    while (delivered.sse + delivered.ws < want && performance.now() < drainUntil) await sleep(10);
    const elapsedS = (performance.now() - start) / 1000;
    stopping = true;
    await expect200(client.request("POST", engine.records(topic), engine.produceBody(Array.from({ length: PARTITIONS * 4 }, () => paddedValue(RECORD_BYTES, { seq: -1 })))));
    await Promise.allSettled(pollers);
    for (const close of closers) close();

    const line = (kind, id, label, subs) => ({
      id, kind: "ours", label,
      throughput: { value: delivered[kind] / elapsedS, unit: "records/s delivered" },
      latency: summarize(lat[kind]),
      vs: "ceiling.fanout.rtt", on: "latency",
      detail: { subscribers: subs, produced, delivered: delivered[kind], expected: produced * subs, elapsed_s: Number(elapsedS.toFixed(2)) },
    });
    report.add(line("sse", "ours.fanout.sse", `SSE ×${SSE_SUBSCRIBERS}: produce→deliver`, SSE_SUBSCRIBERS));
    report.add(line("ws", "ours.fanout.ws", `WebSocket ×${WS_SUBSCRIBERS}: produce→deliver`, WS_SUBSCRIBERS));
    report.add({ ...line("longpoll", "ours.fanout.longpoll", `long-poll ×${LONG_POLLERS} (same run): produce→consume`, LONG_POLLERS), detail: { consumers: LONG_POLLERS, delivered: delivered.longpoll } });
    if (delivered.sse + delivered.ws < want) log(`fanout: WARNING delivered ${delivered.sse + delivered.ws} of ${want} (SSE ${delivered.sse}, WS ${delivered.ws})`);
  },
};
