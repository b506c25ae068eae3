/**
 * The bench worker (bench/wrangler.toml): exactly the engine `npm start` serves, plus the
 * bench-only CeilingDO behind `/bench/` so the raw ceiling travels the same path as the engine.
 */
import engine from "../src/index";
import { ceilingRoutes, type BenchEnv } from "./ceiling-routes";

// Every class the engine exports (TopicCatalog, PartitionDO, StreamService, …), so a class the
// engine adds later needs only its binding in bench/wrangler.toml (bench/run.mjs checks that).
export * from "../src/index";
export { CeilingDO } from "./ceiling-do";

export default {
  fetch(request, env, ctx) {
    // Only /bench/ paths leave the engine; everything else, 404s included, is the engine's answer.
    if (new URL(request.url).pathname.startsWith("/bench/")) return ceilingRoutes.fetch(request, env, ctx);
    return engine.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv>;
