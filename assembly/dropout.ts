// Inverted dropout with a counter-based generator: element i keeps its value when
// u(seed, i) ≥ p, where u is the top 24 bits of splitmix64(seed + (i+1)·φ) (Steele, Lea & Flood,
// 2014) scaled to [0, 1). The mask depends only on (seed, i), so it is reproducible and any
// element can be recomputed independently.

import { dropoutUniform } from "./vmath";

// x, y, mask: [n] f32; mask[i] ∈ {0, 1/(1−p)}, y = x·mask; p = 1 drops everything (mask 0)
export function dropoutForwardF32(x: usize, y: usize, mask: usize, n: i32, p: f32, seedLo: u32, seedHi: u32): void {
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  const scale: f32 = p < 1 ? <f32>1 / (<f32>1 - p) : 0;
  for (let i = 0; i < n; i++) {
    const u = dropoutUniform(seed, <u64>i);
    const m: f32 = u >= p ? scale : 0;
    const o = <usize>i << 2;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}
