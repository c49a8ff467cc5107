// Feature detection by validating tiny probe modules: the only reliable way to learn whether this
// runtime's WebAssembly accepts SIMD, relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)
// and shared memory, without compiling the real kernels first. (WebGPU is found by runtime/webgpu.ts,
// which needs an adapter, not just navigator.gpu.)

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// (func (result v128) v128.const 0 ...) variants; type section: one func type () -> v128.
const typeV128 = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b];
const funcSec = [0x03, 0x02, 0x01, 0x00];
const v128Zero = [0xfd, 0x0c, ...new Array(16).fill(0)];

function probe(bytes: number[]): boolean {
  try {
    return WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

function codeSection(body: number[]): number[] {
  const fn = [0x00, ...body, 0x0b]; // no locals, body, end
  return [0x0a, fn.length + 2, 0x01, fn.length, ...fn];
}

export function hasSimd(): boolean {
  return probe([...header, ...typeV128, ...funcSec, ...codeSection(v128Zero)]);
}

export function hasRelaxedSimd(): boolean {
  // f32x4.relaxed_madd (0xfd 0x85 0x02) over three zero vectors
  return probe([...header, ...typeV128, ...funcSec,
    ...codeSection([...v128Zero, ...v128Zero, ...v128Zero, 0xfd, 0x85, 0x02])]);
}

export function hasSharedMemory(): boolean {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") return false;
  // A shared memory import with min 1, max 1 pages.
  const bytes = [...header, 0x02, 0x09, 0x01, 0x01, 0x6d, 0x01, 0x6d, 0x02, 0x03, 0x01, 0x01];
  if (!probe(bytes)) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}
