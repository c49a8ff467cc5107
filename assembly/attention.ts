// The softmax step of scaled dot-product attention (torch.nn.functional.scaled_dot_product_attention):
// scores scaled and masked — causal (query i sees keys j ≤ i, torch's is_causal) and by a key padding
// mask (0 = padding, as Hugging Face's attention_mask) — then a stable softmax per row, in place.
// The products around it (q·kᵀ, p·v and the backward GEMMs) are the gemm kernel's; the backend
// composes them (src/backend/cpu-wasm/cpu-backend.ts).
import { rowExpSum, rowMax } from "./vmath";

// scores: [rows = batch·tq, tk] f32 ← softmax(scale·scores) over the keys each query may see; a
// masked key gets −∞ before the softmax (probability 0); a row with every key masked is NaN, as in
// torch. keyMask: [batch / heads, tk] i32 or 0 (none); item b reads row b / heads.
export function attentionSoftmaxRowsF32(scores: usize, keyMask: usize, rows: i32, tq: i32, tk: i32, heads: i32,
  scale: f32, causal: i32): void {
  for (let r = 0; r < rows; r++) {
    const p = scores + (<usize>r * <usize>tk << 2);
    const i = r % tq;
    const maskRow = keyMask + (<usize>(r / tq / heads) * <usize>tk << 2);
    for (let j = 0; j < tk; j++) {
      const q = p + (<usize>j << 2);
      const masked = (causal != 0 && j > i) || (keyMask != 0 && load<i32>(maskRow + (<usize>j << 2)) == 0);
      store<f32>(q, masked ? -Infinity : load<f32>(q) * scale);
    }
    const m = rowMax(p, tk);
    const s = rowExpSum(p, tk, m, p);
    const inv: f32 = <f32>1 / s;
    for (let j = 0; j < tk; j++) store<f32>(p + (<usize>j << 2), load<f32>(p + (<usize>j << 2)) * inv);
  }
}

// probs, dProbs: [rows, tk]; dScores = scale·probs·(dProbs − Σ_j dProbs·probs) per row (the softmax
// gradient times the score scale), written over dProbs. Masked keys have probability 0: gradient 0.
export function attentionSoftmaxBackwardRowsF32(probs: usize, dProbs: usize, rows: i32, tk: i32, scale: f32): void {
  for (let r = 0; r < rows; r++) {
    const p = probs + (<usize>r * <usize>tk << 2);
    const g = dProbs + (<usize>r * <usize>tk << 2);
    let dot: f32 = 0;
    for (let j = 0; j < tk; j++) dot += load<f32>(g + (<usize>j << 2)) * load<f32>(p + (<usize>j << 2));
    for (let j = 0; j < tk; j++) {
      const o = <usize>j << 2;
      store<f32>(g + o, scale * (load<f32>(p + o) * (load<f32>(g + o) - dot)));
    }
  }
}
