// Packages that ship no TypeScript declarations.
declare module '@echogarden/pffft-wasm/simd' {
  const PFFFT: (moduleArg?: Record<string, unknown>) => Promise<unknown>;
  export default PFFFT;
}
