// The layering rules of docs/architecture.md, checked by test/unit/architecture.test.ts
// (and by hand: `npx depcruise src`). Type-only imports count: a type loop is still a loop to read.
/** Plain logic: testable without a Durable Object, so it never sees Env or an object class. */
const PLAIN = "^src/(log|groups|tiering|catalog|core|txn|schema|stats|storage)/";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "src has no import cycle (issue 10).",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "plain-logic-knows-no-env",
      comment: "Below src/objects nothing imports Env or a Durable Object class: the objects wire storage, stubs and sinks in.",
      severity: "error",
      from: { path: PLAIN },
      to: { path: "^src/(env\\.ts|objects/)" },
    },
    {
      name: "plain-logic-is-not-a-client",
      comment: "Plain logic does not call routing or transport (routing is the Worker-side client of the objects).",
      severity: "error",
      from: { path: PLAIN },
      to: { path: "^src/(routing|http|rpc|sdk)/" },
    },
    {
      name: "objects-do-not-route",
      comment:
        "Durable Objects get stubs from src/objects/names.ts, not from the Worker-side routing layer. " +
        "Two objects are clients of the engine by design and route like a Worker: a bridge (it produces and " +
        "consumes through routing) and a realtime hub (it reads partitions and joins groups through routing). " +
        "Env types their bindings with RPC interfaces (src/bridges/view.ts, src/realtime/rpc.ts), so no loop forms.",
      severity: "error",
      from: { path: "^src/objects/", pathNot: "^src/objects/(bridge|realtime-hub)\\.ts$" },
      to: { path: "^src/(env\\.ts|routing/|http/|rpc/)" },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
  },
};
