import { beforeAll, beforeEach } from "vitest";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { useEngine } from "./harness";

// Issue 19: the published Durable Streams conformance suite (@durable-streams/server-conformance-tests,
// pinned) against the engine as users run it. Stream forking is not implemented (docs/compat.md),
// so the suite's "Fork - …" groups are skipped; so are the tests listed in KNOWN_GAPS, each with
// its reason (also in docs/compat.md).
const { holder } = useEngine();
const config = { baseUrl: "", longPollTimeoutMs: 20_000 };
beforeAll(() => {
  config.baseUrl = holder.engine.url;
});

const KNOWN_GAPS: RegExp[] = [
  // Stream-TTL counts from the last append: a read does not extend it (the log has no per-read write).
  /TTL Expiration Behavior > should extend TTL on (GET \?offset=now|read|producer close-only POST)/,
];

beforeEach((ctx) => {
  const path: string[] = [];
  for (let s = ctx.task.suite; s; s = s.suite) path.push(s.name);
  const full = [...path.reverse(), ctx.task.name].join(" > ");
  if (path.some((n) => n.startsWith("Fork -")) || KNOWN_GAPS.some((r) => r.test(full))) ctx.skip();
});

runConformanceTests(config);
