// The groups suite: join and heartbeat throughput of 100 members on a 1,000-partition topic, next
// to a no-op round trip at the same concurrency, and the time from a member's death to the full
// reassignment of its partitions, minus the session timeout (the part the engine adds).
import { ceiling, engine, expect200, uniqueName } from "../lib/api.mjs";
import { createClient } from "../lib/http.mjs";
import { alternate, runPool, sleep } from "../lib/pool.mjs";
import { summarize } from "../lib/stats.mjs";

const MEMBERS = 100;
const PARTITIONS = 1_000;
const CONCURRENCY = 20;
/** The heartbeat pair runs as ROUNDS alternating slices each (ceilings, ours, ceilings, ours, …). */
const ROUNDS = 3;
const SLICE_MS = 1_250;
const WARMUP_MS = 500;
/** Long enough that no member of the load group expires while only the ceilings are running. */
const LOAD_SESSION_TIMEOUT_MS = 60_000;
const STABLE_TIMEOUT_MS = 20_000;
const DESCRIBE_POLL_MS = 20;

const DEATH_MEMBERS = 10;
const DEATH_PARTITIONS = 100;
const DEATH_SESSION_TIMEOUT_MS = 2_000;
const DEATH_REPS = 5;
/** Survivors' heartbeat period while a death is being measured (each at its own phase). */
const FAST_HEARTBEAT_MS = 50;

export const groups = {
  name: "groups",
  title: "consumer groups: 100 members on 1,000 partitions; member death",
  async run(ctx) {
    await membersThroughput(ctx);
    await deathToReassignment(ctx);
  },
};

function resultLine(id, kind, label, result, unit, extra = {}) {
  return {
    id, kind, label,
    throughput: { value: result.perSecond, unit },
    latency: summarize(result.latencies),
    detail: { requests: result.tasks, units: result.units, elapsed_ms: Math.round(result.elapsedMs) },
    ...extra,
  };
}

/**
 * Creates a topic and returns { createMs }. (Under `wrangler dev` this used to probe /health with
 * short timeouts afterwards: its proxy parked requests, issue 9.15; the direct server does not.)
 */
async function createTopicTimed(ctx, name, partitions) {
  const t0 = performance.now();
  await engine.createTopic(ctx.client, name, partitions);
  return { createMs: Math.round(performance.now() - t0) };
}

const wallClock = (perfMs) => performance.timeOrigin + perfMs;
const partitionsOf = (answer) => answer.assignment.flatMap((a) => a.partitions);

/** Records a join or heartbeat answer on the member; `at` is when the whole response had arrived. */
function apply(member, answer, at) {
  member.generation = answer.generation;
  member.state = answer.state;
  member.partitions = partitionsOf(answer);
  member.intervalMs = answer.heartbeat_interval_ms;
  member.answeredAt = at;
  return member;
}

async function join(client, group, body) {
  const res = await client.request("POST", engine.members(group), body);
  const at = performance.now();
  if (res.status !== 200) throw new Error(`join ${group}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  const answer = JSON.parse(res.body);
  return apply({ id: answer.member_id }, answer, at);
}

/** One heartbeat carrying the generation of the member's previous answer (which acknowledges it). */
async function heartbeat(client, group, member) {
  const res = await client.request("POST", engine.heartbeat(group, member.id), `{"generation":${member.generation}}`);
  const at = performance.now();
  if (res.status !== 200) throw new Error(`heartbeat ${group}/${member.id}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  return apply(member, JSON.parse(res.body), at);
}

/** Polls GET /v1/groups/:g until it says Stable with `members` members; returns that view and when it arrived. */
async function waitStable(client, group, members, { timeoutMs = STABLE_TIMEOUT_MS, failed = () => null } = {}) {
  const deadline = performance.now() + timeoutMs;
  let polls = 0;
  for (;;) {
    const err = failed();
    if (err) throw err;
    const view = await client.json("GET", engine.group(group));
    const at = performance.now();
    polls++;
    if (view.state === "Stable" && view.members.length === members) return { view, at, polls };
    if (at > deadline) throw new Error(`group ${group} not Stable with ${members} members within ${timeoutMs} ms (state ${view.state}, ${view.members.length} members)`);
    await sleep(DESCRIBE_POLL_MS);
  }
}

/** Every partition of the topic is assigned to exactly one member. */
function checkFullAssignment(view, partitions) {
  const owners = new Map();
  for (const m of view.members) for (const p of m.assignment.flatMap((a) => a.partitions)) owners.set(p, (owners.get(p) ?? 0) + 1);
  const doubled = [...owners.values()].filter((n) => n > 1).length;
  if (owners.size !== partitions || doubled > 0) throw new Error(`Stable group assigns ${owners.size} of ${partitions} partitions, ${doubled} to more than one member`);
}

async function membersThroughput(ctx) {
  const { client, report, log, phaseMs, runId } = ctx;
  const topic = uniqueName("groups-1000p", runId);
  const group = uniqueName("groups-load", runId);
  const db = uniqueName("groups-ceiling", runId);
  log(`groups: creating a ${PARTITIONS}-partition topic (initializes ${PARTITIONS} partition objects; not timed)`);
  const created = await createTopicTimed(ctx, topic, PARTITIONS);
  // Warm the coordinator object (it answers 404 before the first join) and the ceiling's object.
  await client.request("GET", engine.group(group));
  const rowBody = ceiling.insertBody([{ member: "x", generation: 1 }]);
  await expect200(client.request("POST", ceiling.rows(db), rowBody));

  log(`groups: ${MEMBERS} members join one group on a ${PARTITIONS}-partition topic, ${CONCURRENCY} in flight`);
  const joinBody = JSON.stringify({ topics: [topic], session_timeout_ms: LOAD_SESSION_TIMEOUT_MS });
  const members = [];
  const joins = await runPool({
    concurrency: CONCURRENCY,
    total: MEMBERS,
    task: async () => {
      members.push(await join(client, group, joinBody));
    },
  });
  const lastJoinAt = performance.now();
  if (members.length !== MEMBERS) throw new Error(`${members.length} of ${MEMBERS} members joined`);

  // Closed loop over an idle queue: each member has at most one heartbeat in flight, so every
  // heartbeat carries the generation of that member's latest answer.
  const idle = [...members];
  let beats = 0;
  const beat = async () => {
    const m = idle.shift();
    try {
      await heartbeat(client, group, m);
      beats++;
    } finally {
      idle.push(m);
    }
    return m;
  };

  log(`groups: heartbeating (c=${CONCURRENCY}) until GET /v1/groups/:g says Stable`);
  let converging = true;
  let loadError = null;
  let firstStableAnswerAt = null;
  const loaders = Array.from({ length: CONCURRENCY }, async () => {
    while (converging && !loadError) {
      const m = await beat();
      if (m.state === "Stable") firstStableAnswerAt ??= m.answeredAt;
    }
  }).map((p) => p.catch((err) => {
    loadError ??= err;
  }));
  let stable;
  try {
    stable = await waitStable(client, group, MEMBERS, { failed: () => loadError });
  } finally {
    converging = false;
    await Promise.all(loaders);
  }
  if (loadError) throw loadError;
  const stableAfterMs = stable.at - lastJoinAt;
  const beatsToStable = beats;
  checkFullAssignment(stable.view, PARTITIONS);
  const generation = stable.view.generation;
  log(`groups: Stable ${stableAfterMs.toFixed(0)} ms after the last join (${beatsToStable} heartbeats, generation ${generation})`);

  log(`groups: GET /health and one DO insert vs heartbeats at Stable, c=${CONCURRENCY}, ${ROUNDS} alternating rounds`);
  const [health, doWrite, hb] = await alternate({
    rounds: ROUNDS,
    sliceMs: phaseMs(SLICE_MS),
    warmupMs: phaseMs(WARMUP_MS),
    loads: [
      { concurrency: CONCURRENCY, task: () => expect200(client.request("GET", "/health")) },
      { concurrency: CONCURRENCY, task: () => expect200(client.request("POST", ceiling.rows(db), rowBody)) },
      { concurrency: CONCURRENCY, task: () => beat().then(() => 1) },
    ],
  });
  const moved = members.filter((m) => m.generation !== generation || m.state !== "Stable");
  if (moved.length > 0) throw new Error(`the load group left steady state during the heartbeat load (${moved.length} members at another generation or state)`);

  report.add(resultLine("ceiling.rtt.c20", "ceiling", `no-op round trip GET /health, c=${CONCURRENCY}`, health, "req/s"));
  report.add(resultLine("ceiling.do.c20", "ceiling", `one DO round trip + SQLite insert 1 row, c=${CONCURRENCY}`, doWrite, "req/s"));
  report.add(resultLine("ours.group.join", "ours", `join ${MEMBERS} members, 1 group, ${PARTITIONS.toLocaleString("en-US")} partitions, c=${CONCURRENCY}`, joins, "joins/s", {
    vs: "ceiling.rtt.c20",
  }));
  const hbLine = resultLine("ours.group.heartbeat", "ours", `heartbeat at Stable, ${MEMBERS} members, ${PARTITIONS.toLocaleString("en-US")} partitions, c=${CONCURRENCY}`, hb, "hb/s", {
    vs: "ceiling.rtt.c20",
  });
  hbLine.detail.generation = generation;
  report.add(hbLine);
  report.add({
    id: "ours.group.stable",
    kind: "ours",
    label: `  ↳ last join → Stable (GET /v1/groups/:g), ${beatsToStable} hb at c=${CONCURRENCY}`,
    latency: summarize([stableAfterMs]),
    detail: {
      stable_after_last_join_ms: Math.round(stableAfterMs),
      heartbeats_until_stable: beatsToStable,
      describe_polls: stable.polls,
      first_stable_heartbeat_answer_after_last_join_ms: firstStableAnswerAt === null ? null : Math.round(firstStableAnswerAt - lastJoinAt),
      generation,
      topic_create_ms: created.createMs,
    },
  });

  await Promise.all(members.map((m) => expect200(client.request("DELETE", `${engine.members(group)}/${encodeURIComponent(m.id)}`))));
}

/**
 * A group of DEATH_MEMBERS at Stable, everyone heartbeating every heartbeat_interval_ms. One member
 * stops at T (the arrival of its last heartbeat answer); the survivors then heartbeat every
 * FAST_HEARTBEAT_MS, staggered, and the sample is the arrival of the first survivor answer after
 * which every partition of the dead member is in some survivor's assignment, minus T and minus
 * the session timeout. A replacement joins before the next repetition.
 */
async function deathToReassignment(ctx) {
  const { client, report, log, runId } = ctx;
  const topic = uniqueName("groups-death", runId);
  const group = uniqueName("groups-death", runId);
  log(`groups: ${DEATH_REPS} deaths in a group of ${DEATH_MEMBERS} on ${DEATH_PARTITIONS} partitions, session_timeout_ms=${DEATH_SESSION_TIMEOUT_MS}`);
  await createTopicTimed(ctx, topic, DEATH_PARTITIONS);
  await client.request("GET", engine.group(group)); // warm the coordinator
  const joinBody = JSON.stringify({ topics: [topic], session_timeout_ms: DEATH_SESSION_TIMEOUT_MS });

  const live = new Set();
  let fastSince = null; // performance.now() at which survivors switched to fast heartbeats; null = normal cadence
  let failure = null;
  let onAnswer = () => {};

  const startLoop = (member) => {
    member.phase = 0;
    member.loop = (async () => {
      let lastSent = -Infinity;
      while (!member.stopped && !failure) {
        const due = fastSince === null ? lastSent + member.intervalMs : Math.max(lastSent + FAST_HEARTBEAT_MS, fastSince + member.phase);
        const wait = due - performance.now();
        if (wait > 0) {
          await sleep(Math.min(wait, 5)); // short naps, so a switch to fast mode takes effect at once
          continue;
        }
        lastSent = performance.now();
        await heartbeat(client, group, member);
        onAnswer(member);
      }
    })().catch((err) => {
      failure ??= err;
    });
  };
  const goFast = (at) => {
    [...live].forEach((m, k) => {
      m.phase = (k * FAST_HEARTBEAT_MS) / live.size;
    });
    fastSince = at;
  };

  const samples = [];
  const expirySeen = [];
  const afterServerDeadline = [];
  const expiryAfterServerDeadline = [];
  const moved = [];
  let intervalMs = null;
  try {
    for (let rep = 0; rep < DEATH_REPS; rep++) {
      while (live.size < DEATH_MEMBERS) {
        const m = await join(client, group, joinBody);
        live.add(m);
        startLoop(m);
      }
      goFast(performance.now()); // converge quickly
      await waitStable(client, group, DEATH_MEMBERS, { failed: () => failure });
      fastSince = null; // steady state at the advertised cadence
      intervalMs = [...live][0].intervalMs;
      await sleep(intervalMs + 100);
      if (failure) throw failure;

      const victim = [...live][(rep * 3 + 1) % live.size];
      const outcome = new Promise((resolve) => {
        let t = null;
        let generationAtT;
        let lost;
        let expiryAt = null;
        onAnswer = (m) => {
          if (t === null) {
            if (m !== victim) return;
            // The victim's last answer: it dies now.
            t = m.answeredAt;
            generationAtT = m.generation;
            lost = [...m.partitions];
            m.stopped = true;
            live.delete(m);
            goFast(t);
            return;
          }
          if (!live.has(m)) return;
          if (expiryAt === null && m.generation > generationAtT) expiryAt = m.answeredAt;
          const owned = new Set([...live].flatMap((s) => s.partitions));
          if (lost.every((p) => owned.has(p))) {
            onAnswer = () => {};
            resolve({ t, expiryAt, reassignedAt: m.answeredAt, lost });
          }
        };
      });
      // The victim's final heartbeat time as the coordinator recorded it (its session deadline's base).
      const serverView = (async () => {
        while (!victim.stopped) await sleep(2);
        const view = await client.json("GET", engine.group(group));
        return view.members.find((m) => m.member_id === victim.id)?.last_heartbeat ?? null;
      })();
      const limit = sleep(intervalMs + DEATH_SESSION_TIMEOUT_MS + 10_000).then(() => null);
      const r = await Promise.race([outcome, limit]);
      if (failure) throw failure;
      if (r === null) throw new Error(`death ${rep + 1}: the dead member's partitions were not reassigned within ${DEATH_SESSION_TIMEOUT_MS + 10_000} ms`);
      if (r.lost.length === 0) throw new Error(`death ${rep + 1}: the member that died owned no partitions`);
      const lastHeartbeat = await serverView;
      samples.push(r.reassignedAt - r.t - DEATH_SESSION_TIMEOUT_MS);
      expirySeen.push((r.expiryAt ?? r.reassignedAt) - r.t - DEATH_SESSION_TIMEOUT_MS);
      moved.push(r.lost.length);
      if (lastHeartbeat !== null) {
        const deadline = lastHeartbeat + DEATH_SESSION_TIMEOUT_MS;
        afterServerDeadline.push(wallClock(r.reassignedAt) - deadline);
        expiryAfterServerDeadline.push(wallClock(r.expiryAt ?? r.reassignedAt) - deadline);
      }
      log(
        `groups: death ${rep + 1}/${DEATH_REPS}: ${r.lost.length} partitions reassigned ${(r.reassignedAt - r.t).toFixed(0)} ms after the last heartbeat answer ` +
          `(expiry first seen at +${((r.expiryAt ?? r.reassignedAt) - r.t).toFixed(0)} ms` +
          (lastHeartbeat !== null ? `, ${expiryAfterServerDeadline.at(-1).toFixed(0)} ms after the coordinator's session deadline)` : ")"),
      );
    }
  } finally {
    for (const m of live) m.stopped = true;
    onAnswer = () => {};
    await Promise.all([...live].map((m) => m.loop));
  }
  if (failure) throw failure;
  await Promise.all([...live].map((m) => client.request("DELETE", `${engine.members(group)}/${encodeURIComponent(m.id)}`)));

  const round = (xs) => xs.map((x) => Math.round(x));
  const stat = (xs) => {
    const s = summarize(xs);
    return { p50: Math.round(s.p50), max: Math.round(s.max) };
  };
  log(
    `groups: coordinator expiry (alarm) seen ${round(expiryAfterServerDeadline).join(", ")} ms after the session deadline ` +
      `(includes up to ${(FAST_HEARTBEAT_MS / (DEATH_MEMBERS - 1)).toFixed(0)} ms of survivor probing and one round trip)`,
  );
  report.add({
    id: "ours.group.death",
    kind: "ours",
    label: `death → full reassignment − ${DEATH_SESSION_TIMEOUT_MS / 1000} s session, ${DEATH_MEMBERS} members/${DEATH_PARTITIONS} p, n=${DEATH_REPS} (p99=max)`,
    latency: summarize(samples),
    detail: {
      samples_ms: round(samples),
      definition: "arrival of the first survivor heartbeat answer after which all the dead member's partitions are owned by survivors, minus the arrival of the dead member's last heartbeat answer, minus session_timeout_ms",
      session_timeout_ms: DEATH_SESSION_TIMEOUT_MS,
      heartbeat_interval_ms: intervalMs,
      survivor_heartbeat_ms_during_measurement: FAST_HEARTBEAT_MS,
      assignor: "range",
      partitions_reassigned: moved,
      expiry_seen_minus_timeout_ms: { samples: round(expirySeen), ...stat(expirySeen) },
      reassigned_after_coordinator_deadline_ms: { samples: round(afterServerDeadline), ...stat(afterServerDeadline) },
      expiry_seen_after_coordinator_deadline_ms: { samples: round(expiryAfterServerDeadline), ...stat(expiryAfterServerDeadline) },
    },
  });
  // T above is when the last answer arrived, after the coordinator recorded the heartbeat; under
  // load that gap is a sizeable part of a round trip. The coordinator's own deadline is exact.
  if (afterServerDeadline.length === samples.length) {
    report.add({
      id: "ours.group.death.deadline",
      kind: "ours",
      label: `  ↳ same, from the coordinator's deadline (its last_heartbeat + ${DEATH_SESSION_TIMEOUT_MS / 1000} s)`,
      latency: summarize(afterServerDeadline),
      detail: {
        samples_ms: round(afterServerDeadline),
        expiry_seen_ms: round(expiryAfterServerDeadline),
        note: "includes alarm lateness, the survivors' 50 ms heartbeat cadence and one round trip",
      },
    });
  }
}
