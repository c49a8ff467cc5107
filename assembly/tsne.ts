// t-SNE kernels after scikit-learn 1.2 (sklearn/manifold/_utils.pyx _binary_search_perplexity,
// _barnes_hut_tsne.pyx, _quad_tree.pyx, _t_sne.py _kl_divergence; van der Maaten 2014): the binary
// search on each row's precision for a target perplexity; the Barnes–Hut gradient, whose repulsion
// treats a cell of the space-partitioning tree (a quad-tree in 2-D, an oct-tree in 3-D) as one body
// at its centre of mass when side² / distance² < angle², and whose attraction runs over the sparse
// joint probabilities; the exact O(n²) gradient; and the gradient step with sklearn's gains and
// momentum. Rows are split into chunks the worker pool shares; each chunk writes its own partial
// sums, so results do not depend on the thread count.

import { TsneCell, TsneJob, TsneNode, TsnePhase } from "./abi";
import { claim } from "./parallel";

const PERPLEXITY_TOLERANCE: f64 = 1e-5;
const PERPLEXITY_STEPS = 100;
const EPSILON_DBL: f64 = 1e-8;
// Points closer than this in every coordinate share a leaf (sklearn _quad_tree.pyx EPSILON).
const DUPLICATE_EPS: f32 = 1e-6;
// Past this depth a point joins the leaf it reaches: float32 cannot split the cell further.
const MAX_DEPTH = 48;
const FLOAT32_TINY: f64 = 1.1754943508222875e-38;
const MACHINE_EPSILON: f64 = 2.220446049250313e-16;

@inline function ptr(record: usize, field: i32): usize {
  return <usize>load<u32>(record + field);
}

@inline function cellAt(tree: usize, c: i32): usize {
  return tree + (<usize>c << 6);
}

@inline function f32At(base: usize, i: i32): f32 {
  return load<f32>(base + (<usize>i << 2));
}

// ---- affinities ----

// Conditional probabilities of one row (sklearn _binary_search_perplexity, in f64): the precision β
// with entropy log(perplexity) within 1e-5, found by bisection (doubling or halving while unbounded).
// p: [k] f64 scratch; column `self` (−1: none) is left out and gets 0.
function perplexityRow(dist: usize, out: usize, k: i32, self: i32, desired: f64, p: usize): void {
  let betaMin = -Infinity, betaMax = Infinity, beta: f64 = 1;
  for (let step = 0; step < PERPLEXITY_STEPS; step++) {
    let sumP: f64 = 0;
    for (let j = 0; j < k; j++) {
      const v = j == self ? 0 : Math.exp(-<f64>f32At(dist, j) * beta);
      store<f64>(p + (<usize>j << 3), v);
      sumP += v;
    }
    if (sumP == 0) sumP = EPSILON_DBL;
    let sumDistP: f64 = 0;
    for (let j = 0; j < k; j++) {
      const v = load<f64>(p + (<usize>j << 3)) / sumP;
      store<f64>(p + (<usize>j << 3), v);
      sumDistP += <f64>f32At(dist, j) * v;
    }
    const entropy = Math.log(sumP) + beta * sumDistP;
    const diff = entropy - desired;
    if (Math.abs(diff) <= PERPLEXITY_TOLERANCE) break;
    if (diff > 0) {
      betaMin = beta;
      beta = betaMax == Infinity ? beta * 2 : (beta + betaMax) / 2;
    } else {
      betaMax = beta;
      beta = betaMin == -Infinity ? beta / 2 : (beta + betaMin) / 2;
    }
  }
  for (let j = 0; j < k; j++) store<f32>(out + (<usize>j << 2), <f32>load<f64>(p + (<usize>j << 3)));
}

// ---- the tree ----

@inline function childOf(tree: usize, c: i32, dims: i32, y0: f32, y1: f32, y2: f32): i32 {
  const cell = cellAt(tree, c);
  let idx = 0;
  for (let a = 0; a < dims; a++) {
    const v = a == 0 ? y0 : a == 1 ? y1 : y2;
    const centre = (load<f32>(cell + TsneCell.lo + (<usize>a << 2)) + load<f32>(cell + TsneCell.hi + (<usize>a << 2))) * 0.5;
    idx = idx * 2 + (v >= centre ? 1 : 0);
  }
  return load<i32>(cell + TsneCell.firstChild) + idx;
}

function initCell(cell: usize, depth: i32): void {
  store<i32>(cell + TsneCell.firstChild, -1);
  store<i32>(cell + TsneCell.count, 0);
  store<i32>(cell + TsneCell.point, -1);
  store<i32>(cell + TsneCell.depth, depth);
  for (let a = 0; a < 3; a++) store<f32>(cell + TsneCell.com + (<usize>a << 2), 0);
}

// Leaf order of the points being written by flatten: order[orderLen++] = a leaf's point.
let orderPtr: usize = 0;
let orderLen = 0;

// Writes the subtree of cell c depth-first into nodes from index `at`; returns the index after it.
function flatten(tree: usize, c: i32, nChildren: i32, invTheta2: f32, nodes: usize, at: i32): i32 {
  const cell = cellAt(tree, c);
  const node = nodes + (<usize>at << 5);
  store<f32>(node + TsneNode.com, load<f32>(cell + TsneCell.com));
  store<f32>(node + TsneNode.com + 4, load<f32>(cell + TsneCell.com + 4));
  store<f32>(node + TsneNode.com + 8, load<f32>(cell + TsneCell.com + 8));
  store<f32>(node + TsneNode.size, <f32>load<i32>(cell + TsneCell.count));
  store<f32>(node + TsneNode.open, load<f32>(cell + TsneCell.sqWidth) * invTheta2);
  let next = at + 1;
  const first = load<i32>(cell + TsneCell.firstChild);
  if (first >= 0) {
    for (let ch = 0; ch < nChildren; ch++) {
      if (load<i32>(cellAt(tree, first + ch) + TsneCell.count) > 0) next = flatten(tree, first + ch, nChildren, invTheta2, nodes, next);
    }
  } else {
    store<i32>(orderPtr + (<usize>orderLen << 2), load<i32>(cell + TsneCell.point));
    orderLen++;
  }
  store<i32>(node + TsneNode.skip, next);
  return next;
}

// Builds the space-partitioning tree of y: [n, dims] (dims 1..3) like sklearn's _QuadTree — root
// bounds from the data (the maximum pushed out a little), a full leaf split into 2^dims children
// when a point that is not its duplicate arrives, centres of mass updated on the way down — in
// `tree` (TsneCell records), then flattens it depth-first into `nodes` (TsneNode records, one per
// non-empty cell) with each node's opening threshold side² / theta2. Returns the nodes written, or
// −1 when `capacity` cells (and nodes) are not enough. order: [n] i32 ← the points in leaf order (a
// leaf's duplicates after all leaves), so that consecutive rows walk nearly the same nodes; seen: [n] u8 scratch.
export function tsneBuildTree(y: usize, n: i32, dims: i32, tree: usize, capacity: i32, nodes: usize, theta2: f32, order: usize, seen: usize): i32 {
  if (capacity < 1) return -1;
  const root = cellAt(tree, 0);
  initCell(root, 0);
  let sq: f32 = 0;
  for (let a = 0; a < 3; a++) {
    let lo: f32 = 0, hi: f32 = 0;
    if (a < dims) {
      lo = Infinity;
      hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = f32At(y, i * dims + a);
        lo = min(lo, v);
        hi = max(hi, v);
      }
      hi = max<f32>(hi * (1 + <f32>1e-3 * (hi > 0 ? 1 : hi < 0 ? -1 : 0)), hi + <f32>1e-3);
      sq = max(sq, (hi - lo) * (hi - lo));
    }
    store<f32>(root + TsneCell.lo + (<usize>a << 2), lo);
    store<f32>(root + TsneCell.hi + (<usize>a << 2), hi);
  }
  store<f32>(root + TsneCell.sqWidth, sq);
  const nChildren = 1 << dims;
  let cells = 1;
  for (let i = 0; i < n; i++) {
    const y0 = f32At(y, i * dims), y1 = dims > 1 ? f32At(y, i * dims + 1) : 0, y2 = dims > 2 ? f32At(y, i * dims + 2) : 0;
    let c = 0;
    for (;;) {
      const cell = cellAt(tree, c);
      const cnt = load<i32>(cell + TsneCell.count);
      if (cnt == 0) {
        store<i32>(cell + TsneCell.count, 1);
        store<i32>(cell + TsneCell.point, i);
        store<f32>(cell + TsneCell.com, y0);
        store<f32>(cell + TsneCell.com + 4, y1);
        store<f32>(cell + TsneCell.com + 8, y2);
        break;
      }
      if (load<i32>(cell + TsneCell.firstChild) >= 0) {
        const w = <f32>cnt, inv = <f32>1 / <f32>(cnt + 1);
        store<f32>(cell + TsneCell.com, (w * load<f32>(cell + TsneCell.com) + y0) * inv);
        store<f32>(cell + TsneCell.com + 4, (w * load<f32>(cell + TsneCell.com + 4) + y1) * inv);
        store<f32>(cell + TsneCell.com + 8, (w * load<f32>(cell + TsneCell.com + 8) + y2) * inv);
        store<i32>(cell + TsneCell.count, cnt + 1);
        c = childOf(tree, c, dims, y0, y1, y2);
        continue;
      }
      // A leaf holding points: a duplicate joins it, anything else splits it.
      const c0 = load<f32>(cell + TsneCell.com), c1 = load<f32>(cell + TsneCell.com + 4), c2 = load<f32>(cell + TsneCell.com + 8);
      const depth = load<i32>(cell + TsneCell.depth);
      if ((abs(y0 - c0) <= DUPLICATE_EPS && abs(y1 - c1) <= DUPLICATE_EPS && abs(y2 - c2) <= DUPLICATE_EPS) || depth >= MAX_DEPTH) {
        store<i32>(cell + TsneCell.count, cnt + 1);
        break;
      }
      if (cells + nChildren > capacity) return -1;
      const first = cells;
      cells += nChildren;
      store<i32>(cell + TsneCell.firstChild, first);
      const sqw = load<f32>(cell + TsneCell.sqWidth) * 0.25;
      for (let ch = 0; ch < nChildren; ch++) {
        const child = cellAt(tree, first + ch);
        initCell(child, depth + 1);
        store<f32>(child + TsneCell.sqWidth, sqw);
        for (let a = 0; a < 3; a++) {
          const lo = load<f32>(cell + TsneCell.lo + (<usize>a << 2)), hi = load<f32>(cell + TsneCell.hi + (<usize>a << 2));
          const mid = (lo + hi) * 0.5;
          // child bit for axis a: the (dims − 1 − a)-th bit, as childOf builds the index
          const upper = a < dims && ((ch >> (dims - 1 - a)) & 1) != 0;
          store<f32>(child + TsneCell.lo + (<usize>a << 2), a < dims ? (upper ? mid : lo) : lo);
          store<f32>(child + TsneCell.hi + (<usize>a << 2), a < dims ? (upper ? hi : mid) : hi);
        }
      }
      // The points already here move down together; the new point goes round again.
      const moved = cellAt(tree, childOf(tree, c, dims, c0, c1, c2));
      store<i32>(moved + TsneCell.count, cnt);
      store<i32>(moved + TsneCell.point, load<i32>(cell + TsneCell.point));
      store<f32>(moved + TsneCell.com, c0);
      store<f32>(moved + TsneCell.com + 4, c1);
      store<f32>(moved + TsneCell.com + 8, c2);
    }
  }
  // θ = 0 makes every internal node open: its threshold is +∞ (0/0 = NaN compares false likewise).
  orderPtr = order;
  orderLen = 0;
  const used = flatten(tree, 0, nChildren, <f32>1 / theta2, nodes, 0);
  memory.fill(seen, 0, <usize>n);
  for (let k = 0; k < orderLen; k++) store<u8>(seen + <usize>load<i32>(order + (<usize>k << 2)), 1);
  for (let i = 0; i < n; i++) {
    if (load<u8>(seen + <usize>i) == 0) {
      store<i32>(order + (<usize>orderLen << 2), i);
      orderLen++;
    }
  }
  return used;
}

// ---- gradients ----

@inline function kernel(dist2: f32, dof: f32): f32 {
  const q = dof / (dof + dist2);
  return dof == 1 ? q : <f32>Math.pow(<f64>q, <f64>((dof + 1) / 2));
}

// Repulsion on row i from the flattened tree (sklearn compute_gradient_negative / summarize): a node
// is one body when it is a leaf or distance² > side² / angle² (sklearn: side² / distance² < angle²),
// else its children follow; a leaf at the point itself (its duplicates included) is skipped.
// neg[i] = Σ size·q²·(y_i − com); returns Σ size·q, row i's share of Z.
function repulsion(job: usize, i: i32): f64 {
  const dims = load<i32>(job + TsneJob.dims);
  const y = ptr(job, TsneJob.y);
  const nodes = ptr(job, TsneJob.tree);
  const dof = load<f32>(job + TsneJob.dof);
  const p0 = f32At(y, i * dims), p1 = dims > 1 ? f32At(y, i * dims + 1) : 0, p2 = dims > 2 ? f32At(y, i * dims + 2) : 0;
  let f0: f32 = 0, f1: f32 = 0, f2: f32 = 0;
  let sumQ: f64 = 0;
  const end = load<i32>(nodes + TsneNode.skip);
  let at = 0;
  if (dims == 2 && dof == 1) {
    // The common case, without the third axis and the power.
    while (at < end) {
      const node = nodes + (<usize>at << 5);
      const d0 = p0 - load<f32>(node + TsneNode.com);
      const d1 = p1 - load<f32>(node + TsneNode.com + 4);
      const dist2 = d0 * d0 + d1 * d1;
      const skip = load<i32>(node + TsneNode.skip);
      if (skip == at + 1) {
        if (abs(d0) <= DUPLICATE_EPS && abs(d1) <= DUPLICATE_EPS) {
          at = skip;
          continue;
        }
      } else if (!(dist2 > load<f32>(node + TsneNode.open))) {
        at++;
        continue;
      }
      const q = <f32>1 / (<f32>1 + dist2);
      const size = load<f32>(node + TsneNode.size);
      const sq = size * q;
      sumQ += <f64>sq;
      f0 += sq * q * d0;
      f1 += sq * q * d1;
      at = skip;
    }
  } else {
    while (at < end) {
      const node = nodes + (<usize>at << 5);
      const d0 = p0 - load<f32>(node + TsneNode.com);
      const d1 = p1 - load<f32>(node + TsneNode.com + 4);
      const d2 = p2 - load<f32>(node + TsneNode.com + 8);
      const dist2 = d0 * d0 + d1 * d1 + d2 * d2;
      const skip = load<i32>(node + TsneNode.skip);
      if (skip == at + 1) {
        if (abs(d0) <= DUPLICATE_EPS && abs(d1) <= DUPLICATE_EPS && abs(d2) <= DUPLICATE_EPS) {
          at = skip;
          continue;
        }
      } else if (!(dist2 > load<f32>(node + TsneNode.open))) {
        at++;
        continue;
      }
      const q = kernel(dist2, dof);
      const size = load<f32>(node + TsneNode.size);
      sumQ += <f64>(size * q);
      const mult = size * q * q;
      f0 += mult * d0;
      f1 += mult * d1;
      f2 += mult * d2;
      at = skip;
    }
  }
  const neg = ptr(job, TsneJob.neg) + (<usize>(i * dims) << 2);
  store<f32>(neg, f0);
  if (dims > 1) store<f32>(neg + 4, f1);
  if (dims > 2) store<f32>(neg + 8, f2);
  return sumQ;
}

// Attraction on row i over its sparse P entries (sklearn compute_gradient_positive), and with
// computeError the KL terms Σ p·log p, Σ p·log q, Σ p (the caller adds log Z · Σ p).
function attraction(job: usize, i: i32, partial: usize): void {
  const dims = load<i32>(job + TsneJob.dims);
  const y = ptr(job, TsneJob.y);
  const indptr = ptr(job, TsneJob.indptr);
  const indices = ptr(job, TsneJob.indices);
  const values = ptr(job, TsneJob.values);
  const dof = load<f32>(job + TsneJob.dof);
  const ex = load<f32>(job + TsneJob.exaggeration);
  const withError = load<i32>(job + TsneJob.computeError) != 0;
  const yi = y + (<usize>(i * dims) << 2);
  let f0: f32 = 0, f1: f32 = 0, f2: f32 = 0;
  const e0 = load<i32>(indptr + (<usize>i << 2));
  const e1 = load<i32>(indptr + (<usize>(i + 1) << 2));
  if (dims == 2 && dof == 1 && !withError) {
    // The common step: no third axis, no power, no logarithms.
    const y0 = load<f32>(yi), y1 = load<f32>(yi, 4);
    for (let e = e0; e < e1; e++) {
      const yj = y + (<usize>load<i32>(indices + (<usize>e << 2)) << 3);
      const d0 = y0 - load<f32>(yj), d1 = y1 - load<f32>(yj, 4);
      const pq = load<f32>(values + (<usize>e << 2)) * ex / (<f32>1 + d0 * d0 + d1 * d1);
      f0 += pq * d0;
      f1 += pq * d1;
    }
  } else {
    let plogp: f64 = 0, plogq: f64 = 0, psum: f64 = 0;
    for (let e = e0; e < e1; e++) {
      const j = load<i32>(indices + (<usize>e << 2));
      const p = load<f32>(values + (<usize>e << 2)) * ex;
      const yj = y + (<usize>(j * dims) << 2);
      const d0 = load<f32>(yi) - load<f32>(yj);
      const d1 = dims > 1 ? load<f32>(yi, 4) - load<f32>(yj, 4) : 0;
      const d2 = dims > 2 ? load<f32>(yi, 8) - load<f32>(yj, 8) : 0;
      const q = kernel(d0 * d0 + d1 * d1 + d2 * d2, dof);
      const pq = p * q;
      f0 += pq * d0;
      f1 += pq * d1;
      f2 += pq * d2;
      if (withError) {
        plogp += <f64>p * Math.log(Math.max(<f64>p, FLOAT32_TINY));
        plogq += <f64>p * Math.log(Math.max(<f64>q, FLOAT32_TINY));
        psum += <f64>p;
      }
    }
    store<f64>(partial + 8, load<f64>(partial + 8) + plogp);
    store<f64>(partial + 16, load<f64>(partial + 16) + plogq);
    store<f64>(partial + 24, load<f64>(partial + 24) + psum);
  }
  const pos = ptr(job, TsneJob.pos) + (<usize>(i * dims) << 2);
  store<f32>(pos, f0);
  if (dims > 1) store<f32>(pos + 4, f1);
  if (dims > 2) store<f32>(pos + 8, f2);
}

// Σ_{j≠i} kernel(‖y_i − y_j‖²) for the exact normaliser Z.
function exactRowSum(job: usize, i: i32): f64 {
  const n = load<i32>(job + TsneJob.n);
  const dims = load<i32>(job + TsneJob.dims);
  const y = ptr(job, TsneJob.y);
  const dof = load<f32>(job + TsneJob.dof);
  let s: f64 = 0;
  for (let j = 0; j < n; j++) {
    if (j == i) continue;
    let dist2: f32 = 0;
    for (let a = 0; a < dims; a++) {
      const t = f32At(y, i * dims + a) - f32At(y, j * dims + a);
      dist2 += t * t;
    }
    s += <f64>kernel(dist2, dof);
  }
  return s;
}

// The exact gradient of row i (sklearn _kl_divergence: Σ_j (p_ij − q_ij)·kernel_ij·(y_i − y_j), in
// f64) into pos, unscaled; with computeError Σ_j p·log(p / q) with both floored at machine epsilon.
function exactRowGrad(job: usize, i: i32, partial: usize): void {
  const n = load<i32>(job + TsneJob.n);
  const dims = load<i32>(job + TsneJob.dims);
  const y = ptr(job, TsneJob.y);
  const dense = ptr(job, TsneJob.dense) + (<usize>i * n << 2);
  const dof = load<f32>(job + TsneJob.dof);
  const ex = <f64>load<f32>(job + TsneJob.exaggeration);
  const z = <f64>load<f32>(job + TsneJob.sumQ);
  const withError = load<i32>(job + TsneJob.computeError) != 0;
  let g0: f64 = 0, g1: f64 = 0, g2: f64 = 0, kl: f64 = 0;
  for (let j = 0; j < n; j++) {
    if (j == i) continue;
    const t0 = f32At(y, i * dims) - f32At(y, j * dims);
    const t1 = dims > 1 ? f32At(y, i * dims + 1) - f32At(y, j * dims + 1) : 0;
    const t2 = dims > 2 ? f32At(y, i * dims + 2) - f32At(y, j * dims + 2) : 0;
    const k = <f64>kernel(t0 * t0 + t1 * t1 + t2 * t2, dof);
    const p = <f64>f32At(dense, j) * ex;
    const q = Math.max(k / z, MACHINE_EPSILON);
    const w = (p - q) * k;
    g0 += w * <f64>t0;
    g1 += w * <f64>t1;
    g2 += w * <f64>t2;
    if (withError) kl += p * Math.log(Math.max(p, MACHINE_EPSILON) / q);
  }
  const out = ptr(job, TsneJob.pos) + (<usize>(i * dims) << 2);
  store<f32>(out, <f32>g0);
  if (dims > 1) store<f32>(out + 4, <f32>g1);
  if (dims > 2) store<f32>(out + 8, <f32>g2);
  store<f64>(partial + 8, load<f64>(partial + 8) + kl);
}

// Claims chunks of rows of a t-SNE job until none remain (jobs.ts runs this on every participant).
export function tsneTiles(job: usize, worker: i32): void {
  const phase = load<i32>(job + TsneJob.phase);
  const n = load<i32>(job + TsneJob.n);
  const chunkRows = load<i32>(job + TsneJob.chunkRows);
  // Scratch: the f64 row of the perplexity search.
  const scratch = ptr(job, TsneJob.slices) + <usize>worker * <usize>load<i32>(job + TsneJob.sliceBytes);
  for (;;) {
    const t = claim(job);
    if (t < 0) break;
    const i0 = t * chunkRows;
    const i1 = min(n, i0 + chunkRows);
    const partial = ptr(job, TsneJob.partials) + (<usize>t << 5);
    memory.fill(partial, 0, 32);
    if (phase == TsnePhase.perplexity) {
      const k = load<i32>(job + TsneJob.kNeighbors);
      const skipSelf = load<i32>(job + TsneJob.skipSelf) != 0;
      const desired = Math.log(<f64>load<f32>(job + TsneJob.perplexity));
      for (let i = i0; i < i1; i++) {
        const off = <usize>i * k << 2;
        perplexityRow(ptr(job, TsneJob.dist2) + off, ptr(job, TsneJob.condP) + off, k, skipSelf ? i : -1, desired, scratch);
      }
    } else if (phase == TsnePhase.barnesHut) {
      const order = ptr(job, TsneJob.order);
      let sumQ: f64 = 0;
      for (let r = i0; r < i1; r++) {
        const i = load<i32>(order + (<usize>r << 2));
        sumQ += repulsion(job, i);
        attraction(job, i, partial);
      }
      store<f64>(partial, sumQ);
    } else if (phase == TsnePhase.exactSum) {
      let s: f64 = 0;
      for (let i = i0; i < i1; i++) s += exactRowSum(job, i);
      store<f64>(partial, s);
    } else if (phase == TsnePhase.exactGrad) {
      for (let i = i0; i < i1; i++) exactRowGrad(job, i, partial);
    }
  }
}

// ---- the step ----

// grad = scale·(pos − neg / sumQ) for Barnes–Hut (barnesHut != 0), or scale·pos (exact); then
// sklearn _gradient_descent's update of y: gains +0.2 where the update and gradient disagree in
// sign, ×0.8 elsewhere, at least minGain; update = momentum·update − lr·gains·grad; y += update.
// All [count] f32. Returns ‖gains·grad‖ (f64).
export function tsneStep(y: usize, pos: usize, neg: usize, update: usize, gains: usize, count: i32, barnesHut: i32,
  sumQ: f32, scale: f32, momentum: f32, lr: f32, minGain: f32): f64 {
  let norm: f64 = 0;
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    let g = barnesHut ? load<f32>(pos + o) - load<f32>(neg + o) / sumQ : load<f32>(pos + o);
    g *= scale;
    const u = load<f32>(update + o);
    let gain = load<f32>(gains + o);
    gain = u * g < 0 ? gain + <f32>0.2 : gain * <f32>0.8;
    gain = max(gain, minGain);
    store<f32>(gains + o, gain);
    g *= gain;
    const nu = momentum * u - lr * g;
    store<f32>(update + o, nu);
    store<f32>(y + o, load<f32>(y + o) + nu);
    norm += <f64>g * <f64>g;
  }
  return Math.sqrt(norm);
}

// The gradient alone (for tests against sklearn's _kl_divergence_bh / _kl_divergence): out = scale·(pos − neg / sumQ), or scale·pos.
export function tsneGradient(pos: usize, neg: usize, out: usize, count: i32, barnesHut: i32, sumQ: f32, scale: f32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const g = barnesHut ? load<f32>(pos + o) - load<f32>(neg + o) / sumQ : load<f32>(pos + o);
    store<f32>(out + o, g * scale);
  }
}
