/** The compiled kernels (wasm/simd.as), in the variant this runtime runs. */
import { wasm, type WasmModule } from '../wasm/api.js';
import { wasmBase64, wasmRelaxedBase64 } from '../wasm/generated.js';

let cachedModule: { module: WasmModule; relaxed: boolean } | null | undefined;

/**
 * The compiled kernels, or null when this runtime has no WebAssembly SIMD (or no shared memory). The
 * variant with relaxed SIMD (the neighbour filter's fused multiply-add) when the runtime runs it — Node
 * 22 does; Node 20 only with `--experimental-wasm-relaxed-simd` — unless `WINNOW_RELAXED_SIMD=off`.
 */
export function kernelModule(): WasmModule | null {
  return kernelModuleVariant()?.module ?? null;
}

/** {@link kernelModule} and whether it is the relaxed-SIMD variant. */
export function kernelModuleVariant(): { module: WasmModule; relaxed: boolean } | null {
  if (cachedModule !== undefined) return cachedModule;
  const variants = process.env.WINNOW_RELAXED_SIMD === 'off' ? [{ bytes: wasmBase64, relaxed: false }] : [{ bytes: wasmRelaxedBase64, relaxed: true }, { bytes: wasmBase64, relaxed: false }];
  cachedModule = null;
  for (const { bytes, relaxed } of variants) {
    try {
      const module = new wasm.Module(Buffer.from(bytes, 'base64'));
      new wasm.Instance(module, { env: { memory: new wasm.Memory({ initial: 1, maximum: 1, shared: true }) } });
      cachedModule = { module, relaxed };
      break;
    } catch {
      // Not this variant on this runtime: the next one.
    }
  }
  return cachedModule;
}
