import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";

// Five projects, all run by `npm test`:
//  - unit:    pure modules in Node (partitioner cross-check against KafkaJS, assignors, parsing), the
//             layering check, and the plain logic over the storage seam on better-sqlite3 (test/unit/node-storage)
//  - workers: integration tests inside workerd with real Durable Object SQLite and local R2; the engine's
//             Worker plus fixture objects (test/workers/fixtures) that wire its plain classes with fakes
//  - e2e:     a real engine process (the direct server of `npm start`) started by the harness on a free port
//  - sdk-binding: the transport-neutral SDK tests once more, over a service binding
//  - sdk:     the SDK as users get it (built to dist/, imported as 'dostream/db/stream') against a real engine
export default defineConfig({
  test: {
    projects: [
      {
        // parquet-wasm's .wasm import is a compiled module in workerd; Node gets it from a shim.
        resolve: {
          alias: {
            "parquet-wasm/esm/parquet_wasm_bg.wasm": fileURLToPath(new URL("./test/support/parquet-wasm-node.ts", import.meta.url)),
            "cloudflare:sockets": fileURLToPath(new URL("./test/support/cloudflare-sockets-stub.ts", import.meta.url)),
          },
        },
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        // main is a test worker: src/index.ts's Worker as it is, plus fixture Durable Objects
        // (test/workers/fixtures/worker.ts) bound here in addition to wrangler.toml's bindings.
        // DOSTREAM_LOCAL: the pool is a local engine, so auth may be off (issue 16; auth tests turn it on per request).
        plugins: [
          cloudflareTest({
            main: "./test/workers/fixtures/worker.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { DOSTREAM_LOCAL: "1" },
              durableObjects: { TIER_FIXTURE: { className: "TierFixture", useSQLite: true } },
            },
          }),
        ],
        test: { name: "workers", include: ["test/workers/**/*.test.ts"], testTimeout: 30_000 },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "sdk",
          include: ["test/sdk/**/*.test.ts"],
          environment: "node",
          // Builds dist/ first, so the tests import exactly what the package exports.
          globalSetup: ["test/sdk/build.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file starts its own engine (workerd is heavy on a 2-core machine).
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "sdk-binding",
          // The transport-neutral SDK tests again, through a real service binding (test/sdk/engine.ts).
          include: ["test/sdk/seed.test.ts", "test/sdk/exactly-once.test.ts", "test/sdk/dotdo.test.ts", "test/sdk/consumer.test.ts", "test/sdk/group.test.ts", "test/sdk/partial-produce.test.ts", "test/sdk/values.test.ts", "test/sdk/schema.test.ts"],
          env: { SDK_TRANSPORT: "binding" },
          environment: "node",
          // Builds dist/ first, so the tests import exactly what the package exports.
          globalSetup: ["test/sdk/build.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file starts its own engine (workerd is heavy on a 2-core machine).
          fileParallelism: false,
        },
      },
    ],
  },
});
