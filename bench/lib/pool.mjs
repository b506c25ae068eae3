// Closed-loop load generation: `concurrency` workers, each sending its next request as soon as
// the previous one answered.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task(i)` with `concurrency` in flight until `total` tasks have started or `durationMs`
 * has passed, whichever comes first. A task returns how many units (records, rows) it moved
 * (default 1). The first error stops every worker and is rethrown.
 * Returns { tasks, units, elapsedMs, perSecond (units/s), latencies (ms per task) }.
 */
export async function runPool({ concurrency, total = Infinity, durationMs = Infinity, task }) {
  const latencies = [];
  let started = 0;
  let units = 0;
  let failure = null;
  const t0 = performance.now();
  const deadline = t0 + durationMs;

  async function worker() {
    while (failure === null && started < total && performance.now() < deadline) {
      const i = started++;
      const begin = performance.now();
      try {
        const moved = await task(i);
        latencies.push(performance.now() - begin);
        units += typeof moved === "number" ? moved : 1;
      } catch (err) {
        failure ??= err;
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure) throw failure;
  const elapsedMs = performance.now() - t0;
  return { tasks: latencies.length, units, elapsedMs, perSecond: units / (elapsedMs / 1000), latencies };
}

/** Sums results of the same load measured in several slices. */
export function mergeResults(results) {
  const tasks = results.reduce((n, r) => n + r.tasks, 0);
  const units = results.reduce((n, r) => n + r.units, 0);
  const elapsedMs = results.reduce((n, r) => n + r.elapsedMs, 0);
  return { tasks, units, elapsedMs, perSecond: units / (elapsedMs / 1000), latencies: results.flatMap((r) => r.latencies) };
}

/**
 * Measures several loads (e.g. a ceiling and ours) in alternating slices — A, B, A, B, … — after
 * warming each up, so that background load on a shared machine lands on all of them about
 * equally and their ratio stays meaningful. `measure(load)` runs one slice of one load and
 * returns a runPool-shaped result; the default runs load.task for `sliceMs` at load.concurrency.
 * Returns one merged result per load, in order.
 */
export async function alternate({ loads, rounds, sliceMs, warmupMs, measure }) {
  const slice = measure ?? ((load) => runPool({ concurrency: load.concurrency, durationMs: sliceMs, task: load.task }));
  for (const load of loads) {
    if (warmupMs > 0) await runPool({ concurrency: load.concurrency, durationMs: warmupMs, task: load.task });
  }
  const results = loads.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, load] of loads.entries()) {
      await sleep(100); // let the previous slice's last responses drain
      results[i].push(await slice(load));
    }
  }
  return results.map(mergeResults);
}
