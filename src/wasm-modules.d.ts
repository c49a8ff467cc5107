// A .wasm file imported as a module (workerd, wrangler, bundlers with a wasm loader) is compiled.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
