// Embedding lookup (torch.nn.functional.embedding) and its gradient: rows of a [numEmbeddings, dim]
// table gathered by id, and dOut rows scatter-added back into the picked rows (repeated ids add up,
// in id order). Ids are range-checked first (findOutOfRangeI32) by the tensor op.

// weight: [numEmbeddings, dim] f32; ids: [nIds] i32; out: [nIds, dim] with out[i, :] = weight[ids[i], :]
export function embeddingGatherF32(weight: usize, ids: usize, out: usize, nIds: i32, dim: i32): void {
  const row = <usize>dim << 2;
  for (let i = 0; i < nIds; i++) {
    const id = load<i32>(ids + (<usize>i << 2));
    memory.copy(out + <usize>i * row, weight + <usize>id * row, row);
  }
}

// dOut: [nIds, dim] f32; ids: [nIds] i32; dWeight: [numEmbeddings, dim] += dOut rows at ids
export function embeddingScatterAddF32(dOut: usize, ids: usize, dWeight: usize, nIds: i32, dim: i32): void {
  const row = <usize>dim << 2;
  const n4 = dim & ~3;
  for (let i = 0; i < nIds; i++) {
    const id = load<i32>(ids + (<usize>i << 2));
    const src = dOut + <usize>i * row;
    const dst = dWeight + <usize>id * row;
    let j = 0;
    for (; j < n4; j += 4) {
      const p = <usize>j << 2;
      v128.store(dst + p, f32x4.add(v128.load(dst + p), v128.load(src + p)));
    }
    for (; j < dim; j++) {
      const p = <usize>j << 2;
      store<f32>(dst + p, load<f32>(dst + p) + load<f32>(src + p));
    }
  }
}

// ids: [n] i32; the first position whose value lies outside [lo, hi] and is not `except`, or -1.
export function findOutOfRangeI32(ids: usize, n: i32, lo: i32, hi: i32, except: i32): i32 {
  for (let i = 0; i < n; i++) {
    const v = load<i32>(ids + (<usize>i << 2));
    if ((v < lo || v > hi) && v != except) return i;
  }
  return -1;
}
