// wrangler (esbuild) and @cloudflare/vitest-pool-workers both load `*.wasm` imports as a compiled
// WebAssembly.Module (wrangler's default CompiledWasm rule), ready for wasm-bindgen's `init`.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
