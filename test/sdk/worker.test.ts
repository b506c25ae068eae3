import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngine, unique, type Engine } from "../e2e/harness";

// The packaged SDK inside a Worker: test/fixtures/sdk-worker imports 'dostream/db/stream' (the
// built package, resolved through node_modules as for any user), wrangler bundles it, and workerd
// runs it next to the engine, reaching it through a StreamService binding.
let engine: Engine;
beforeAll(async () => {
  engine = await startEngine({ configs: ["test/fixtures/sdk-worker/wrangler.toml", "wrangler.toml"] });
}, 180_000);
afterAll(async () => {
  await engine?.stop();
});

describe("the dostream package in a Worker", () => {
  it("creates a topic, produces and consumes through a service binding", async () => {
    const res = await fetch(`${engine.url}/?topic=${unique("sdk-worker")}`);
    const body = await res.json();
    expect(body).toEqual({ sent: 2, got: ["a=1", "b=2"] });
  });
});
