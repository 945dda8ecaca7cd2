// The one Node API the tests use (reading RNNoise's .wasm from node_modules); the web client
// has no Node types.
declare module "node:fs" {
  export function readFileSync(path: string): Uint8Array<ArrayBuffer>;
}
