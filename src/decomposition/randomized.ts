// Randomized truncated SVD (Halko, Martinsson & Tropp 2011), as sklearn.utils.extmath.randomized_svd
// runs it for PCA(svd_solver="randomized"): a Gaussian test matrix of nComponents + 10 columns,
// nIter power iterations with re-orthonormalisation, then the exact SVD of the small projected
// matrix. The products with the data are float32 matmuls (the gemm kernel, threaded); the
// orthonormalisation is Cholesky QR done twice (CholeskyQR2, stable for these well-conditioned
// blocks), and the small SVD an eigen-decomposition of B·Bᵀ in float64. Like sklearn's, the result is
// approximate: exact for the leading components when the spectrum decays, within a few 1e-3 when
// it is flat.
import type { Backend } from "../backend/backend.js";
import { TesseraError } from "../errors.js";
import { tensor } from "../tensor/creation.js";
import { matmul } from "../tensor/matmul.js";
import { transpose } from "../tensor/layout.js";
import { noGrad } from "../tensor/autograd.js";
import { tidy } from "../tensor/scope.js";
import type { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";

/** Columns of y [m, l] made orthonormal: y·R⁻¹ with R the Cholesky factor of yᵀy, twice. */
function orthonormalize(y: Tensor): Tensor {
  let q = y;
  for (let pass = 0; pass < 2; pass++) {
    const l = q.shape[1];
    const g = Float64Array.from(matmul(transpose(q, 0, 1), q).data());
    // Cholesky g = RᵀR (upper R), with a tiny diagonal lift if rounding made g semi-definite.
    const r = new Float64Array(l * l);
    const lift = 1e-12 * Math.max(...Array.from({ length: l }, (_, i) => g[i * l + i]), 1e-30);
    for (let i = 0; i < l; i++) {
      for (let j = i; j < l; j++) {
        let s = g[i * l + j];
        for (let t = 0; t < i; t++) s -= r[t * l + i] * r[t * l + j];
        if (i === j) r[i * l + i] = Math.sqrt(Math.max(s, 0) + lift);
        else r[i * l + j] = s / r[i * l + i];
      }
    }
    // R⁻¹ (upper triangular) by back substitution
    const inv = new Float64Array(l * l);
    for (let c = 0; c < l; c++) {
      for (let i = c; i >= 0; i--) {
        let s = i === c ? 1 : 0;
        for (let t = i + 1; t <= c; t++) s -= r[i * l + t] * inv[t * l + c];
        inv[i * l + c] = s / r[i * l + i];
      }
    }
    q = matmul(q, tensor(Float32Array.from(inv), [l, l]));
  }
  return q;
}

/**
 * The leading nComponents singular triplets of x [n, d] (float32, centred): U [n, c] as float32,
 * S [c] and Vᵀ [c, d] in float64, with sklearn's u-based svd_flip signs.
 */
export function randomizedSvd(b: Backend & Required<Pick<Backend, "symmetricEigen">>, x: Float32Array, n: number, d: number,
  nComponents: number, nIter: number, rng: Generator): { U: Float32Array; S: Float64Array; Vt: Float64Array } {
  const c = nComponents;
  const l = Math.min(c + 10, n, d);
  return noGrad(() => tidy(() => {
    const X = tensor(x, [n, d]);
    const Xt = transpose(X, 0, 1);
    let q = tensor(Float32Array.from({ length: d * l }, () => rng.normal()), [d, l]);
    for (let it = 0; it < nIter; it++) {
      q = orthonormalize(matmul(X, q)); // [n, l]
      q = orthonormalize(matmul(Xt, q)); // [d, l]
    }
    const Q = orthonormalize(matmul(X, q)); // [n, l]
    const B = matmul(transpose(Q, 0, 1), X); // [l, d]
    const bd = Float64Array.from(B.data());
    // B·Bᵀ = Û·S²·Ûᵀ
    const g = new Float64Array(l * l);
    for (let i = 0; i < l; i++) {
      for (let j = i; j < l; j++) {
        let s = 0;
        for (let f = 0; f < d; f++) s += bd[i * d + f] * bd[j * d + f];
        g[i * l + j] = g[j * l + i] = s;
      }
    }
    const eig = b.symmetricEigen(g, l);
    const S = new Float64Array(c);
    const Vt = new Float64Array(c * d);
    const uhat = new Float32Array(l * c);
    for (let j = 0; j < c; j++) {
      const src = l - 1 - j; // descending
      const s = Math.sqrt(Math.max(eig.values[src], 0));
      if (!(s > 0)) throw new TesseraError("E_VALUE", `PCA: X: expected at least ${c} nonzero singular values for the randomized solver, received fewer (use svdSolver "full")`);
      S[j] = s;
      for (let i = 0; i < l; i++) uhat[i * c + j] = eig.vectors[src * l + i];
      // Vᵀ_j = û_jᵀ·B / s
      for (let f = 0; f < d; f++) {
        let v = 0;
        for (let i = 0; i < l; i++) v += eig.vectors[src * l + i] * bd[i * d + f];
        Vt[j * d + f] = v / s;
      }
    }
    const U = matmul(Q, tensor(uhat, [l, c])).data() as Float32Array; // [n, c]
    for (let j = 0; j < c; j++) {
      let best = 0;
      for (let i = 1; i < n; i++) if (Math.abs(U[i * c + j]) > Math.abs(U[best * c + j])) best = i;
      if (U[best * c + j] < 0) {
        for (let i = 0; i < n; i++) U[i * c + j] = -U[i * c + j];
        for (let f = 0; f < d; f++) Vt[j * d + f] = -Vt[j * d + f];
      }
    }
    return { U, S, Vt };
  }));
}
