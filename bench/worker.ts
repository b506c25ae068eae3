/**
 * The bench worker (bench/wrangler.toml): exactly the engine `npm start` serves, plus the
 * bench-only CeilingDO behind `/bench/` so the raw ceiling travels the same path as the engine.
 */
import engine from "../src/index";
import { ceilingRoutes, type BenchEnv } from "./ceiling-routes";
import { historyRoutes } from "./history-routes";

// Every class the engine exports (TopicCatalog, PartitionDO, StreamService, …), so a class the
// engine adds later needs only its binding in bench/wrangler.toml (bench/run.mjs checks that).
export * from "../src/index";
export { CeilingDO } from "./ceiling-do";
// Shadows the engine's PartitionDO with a subclass that adds bench RPCs (history suite) and counts R2 calls.
export { PartitionDO } from "./history-routes";

export default {
  fetch(request, env, ctx) {
    // Only /bench/ paths leave the engine; everything else, 404s included, is the engine's answer.
    const path = new URL(request.url).pathname;
    if (path.startsWith("/bench/history/")) return historyRoutes.fetch(request, env, ctx);
    if (path.startsWith("/bench/")) return ceilingRoutes.fetch(request, env, ctx);
    return engine.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv>;
