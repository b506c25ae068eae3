import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// NODE SHIM for `import wasm from "parquet-wasm/esm/parquet_wasm_bg.wasm"`: workerd (and the
// bundle) hand that import over as a compiled WebAssembly.Module; Node 20 cannot import .wasm, so
// the unit project aliases the path here (vitest.config.ts) and compiles the same file.
const path = createRequire(import.meta.url).resolve("parquet-wasm/esm/parquet_wasm_bg.wasm");
export default new WebAssembly.Module(readFileSync(path));
