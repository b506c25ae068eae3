// Soak (issue 9b): memory must stay flat under steady mixed load. For SOAK_MS (scaled by
// BENCH_SCALE): 2 producers (50 × 400-byte records per request, closed loop), 3 group members that
// join, consume and commit, then leave after 5–15 s and join again; the topic rolls every 2,000
// records and keeps 2 minutes. Every SAMPLE_MS the resident memory of the engine's process tree
// (the server and the workerd it runs) is sampled; the line reports it over time.
import { readdirSync, readFileSync } from "node:fs";
import { engine, expect200, paddedValue, uniqueName } from "../lib/api.mjs";
import { sleep } from "../lib/pool.mjs";

const SOAK_MS = 300_000;
const SAMPLE_MS = 5_000;
const PRODUCERS = 2;
const BATCH = 50;
const RECORD_BYTES = 400;
const PARTITIONS = 3;
const MEMBERS = 3;
const MEMBER_LIFE_MS = [5_000, 15_000];
const SESSION_TIMEOUT_MS = 10_000;
const FETCH_RECORDS = 500;
const TOPIC_CONFIG = { "hot.max.records": 2_000, "retention.ms": 120_000 };

export const soak = {
  name: "soak",
  title: "soak: 2 producers, 3 members joining and leaving, rolls every 2,000 records, 2 min retention",
  async run(ctx) {
    const { client, report, log, runId, phaseMs, enginePid } = ctx;
    const durationMs = phaseMs(SOAK_MS);
    const topic = uniqueName("soak", runId);
    const group = uniqueName("soak-group", runId);
    await engine.createTopic(client, topic, PARTITIONS, TOPIC_CONFIG);
    const body = engine.produceBody(Array.from({ length: BATCH }, (_, i) => paddedValue(RECORD_BYTES, { i })));

    log(`soak: ${(durationMs / 1000).toFixed(0)} s, RSS of the engine's process tree (pid ${enginePid}) every ${SAMPLE_MS / 1000} s`);
    const t0 = performance.now();
    const until = t0 + durationMs;
    const rss = [[0, treeRssMiB(enginePid)]];
    const counts = { produced: 0, produceRequests: 0, fetched: 0, joins: 0, leaves: 0, commits: 0 };
    const sampler = (async () => {
      for (let k = 1; t0 + k * SAMPLE_MS <= until; k++) {
        await sleep(Math.max(0, t0 + k * SAMPLE_MS - performance.now()));
        rss.push([Math.round((performance.now() - t0) / 1000), treeRssMiB(enginePid)]);
      }
    })();
    const producers = Array.from({ length: PRODUCERS }, async () => {
      while (performance.now() < until) {
        counts.produced += await expect200(client.request("POST", engine.records(topic), body), BATCH);
        counts.produceRequests++;
      }
    });
    const members = Array.from({ length: MEMBERS }, () => memberLoop(client, topic, group, until, counts));
    await Promise.all([...producers, ...members, sampler]);

    const series = rss.map(([, m]) => m);
    const third = Math.max(1, Math.floor(series.length / 3));
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const growth = mean(series.slice(-third)) / mean(series.slice(0, third));
    log(`soak: RSS MiB over time: ${rss.map(([s, m]) => `${s}s=${m}`).join(" ")}`);
    log(`soak: ${counts.produced.toLocaleString("en-US")} records produced, ${counts.fetched.toLocaleString("en-US")} fetched, ${counts.joins} joins, ${counts.leaves} leaves, ${counts.commits} commits`);
    report.add({
      id: "ours.soak.rss",
      kind: "ours",
      label: `engine RSS over ${(durationMs / 1000).toFixed(0)} s: ${series[0]} → ${series.at(-1)} MiB (max ${Math.max(...series)}), last third ÷ first ${growth.toFixed(2)}`,
      throughput: { value: counts.produced / (durationMs / 1000), unit: "records/s" },
      detail: { rss_mib: rss, growth_last_third_over_first: Number(growth.toFixed(3)), ...counts, topic_config: TOPIC_CONFIG },
    });
  },
};

/** Joins, consumes its partitions (fetch + commit) while heartbeating, leaves after 5–15 s, again. */
async function memberLoop(client, topic, group, until, counts) {
  const positions = new Map();
  while (performance.now() < until) {
    const life = MEMBER_LIFE_MS[0] + Math.random() * (MEMBER_LIFE_MS[1] - MEMBER_LIFE_MS[0]);
    const leaveAt = Math.min(until, performance.now() + life);
    let answer = await client.json("POST", engine.members(group), { topics: [topic], session_timeout_ms: SESSION_TIMEOUT_MS });
    counts.joins++;
    const memberId = answer.member_id;
    while (performance.now() < leaveAt) {
      const owned = answer.assignment.flatMap((a) => a.partitions);
      const commits = [];
      for (const p of owned) {
        const from = positions.get(p) ?? 0;
        const res = await client.request("GET", engine.partitionRecords(topic, p, { offset: from, max_records: FETCH_RECORDS, wait_ms: 200 }));
        if (res.status === 200) {
          const page = JSON.parse(res.body);
          counts.fetched += page.records.length;
          positions.set(p, page.next_offset);
          commits.push({ topic, partition: p, offset: page.next_offset });
        } else if (JSON.parse(res.body).error?.code === "OFFSET_OUT_OF_RANGE") {
          // Retention moved the log start past us: start again from the earliest offset kept.
          positions.set(p, JSON.parse(res.body).error.log_start_offset ?? 0);
        } else throw new Error(`soak fetch ${topic}/${p}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      }
      if (commits.length > 0) {
        const r = await client.request("POST", `${engine.group(group)}/offsets`, { member_id: memberId, generation: answer.generation, offsets: commits });
        if (r.status === 200) counts.commits++;
      }
      const hb = await client.request("POST", engine.heartbeat(group, memberId), { generation: answer.generation });
      if (hb.status === 200) answer = JSON.parse(hb.body);
      else break; // fenced or expired: join again
      if (owned.length === 0) await sleep(100);
    }
    await client.request("DELETE", `${engine.members(group)}/${encodeURIComponent(memberId)}`);
    counts.leaves++;
  }
}

/** Resident memory (MiB) of `pid` and all its descendants, from /proc. */
function treeRssMiB(pid) {
  let kib = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (children) stack.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      /* the process exited meanwhile */
    }
  }
  return Math.round(kib / 1024);
}
