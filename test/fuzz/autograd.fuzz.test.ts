// Autograd fuzz (issue 8, "keep them out"): seeded random graphs of the differentiable ops —
// elementwise with broadcasting and numbers, reductions, layout ops and views of intermediates,
// matmul/linear, softmax/logSoftmax, layerNorm, losses, gather/takeAlongDim, concat, dropout with a
// fixed mask — with shared subexpressions, an input on both sides of one op, noGrad islands and
// detach, sometimes two graphs over the same leaves (gradients accumulate into .grad) and
// backward with an explicit gradient. The gradients are checked against central finite
// differences of the same graph evaluated in float64 by ./reference.ts (so the reference is exact,
// not float32 noise), and against a second evaluation in tessera (bit for bit). Also: a second
// backward over a consumed graph, an in-place copy_ into a tensor the graph reads, and backward of
// a graph that tidy() freed are E_GRAD and change no .grad. memory() returns to its baseline after
// every graph. A failure prints the seed and the graph; FUZZ_SEED=<seed> replays it.
import { afterAll, describe, expect, it } from "vitest";
import * as T from "../../src/index.js";
import { F, Generator, type Tensor } from "../../src/index.js";
import * as R from "./reference.js";
import { Rng, errorContractBreach, fuzzSeeds, memoryBreaches } from "./support.js";

const SEEDS = fuzzSeeds([5, 6, 7]);
const GRAPHS = Number(process.env.FUZZ_GRAPHS ?? 100);
/** Central-difference step; float64 makes its error (h² and 1e-16/h) far below the tolerance. */
const H = 1e-6;

type Ts = (...xs: Tensor[]) => Tensor;
type Ref = (...xs: R.RT[]) => R.RT;

interface Node {
  name: string;
  inputs: number[];
  ts: Ts;
  ref: Ref;
  /** noGrad island or detach: a constant for the gradient. */
  stop: boolean;
  /** Needs a gradient: a leaf with requiresGrad, or an op on one (not through a stop). */
  rg: boolean;
  /** Float64 value at the unperturbed leaves. */
  val: R.RT;
  /** Leaves: their float32 values. */
  leaf?: { data: Float32Array | Int32Array; dtype: "float32" | "int32" };
}

const ctx: R.Ctx = { gradEnabled: false };
/** Intermediates made inside one node (x² + ½ and the like): the graph needs them until backward. */
const held: Tensor[] = [];
const hold = (t: Tensor): Tensor => (held.push(t), t);
/** x² + ½ in tessera, its intermediates held. */
const sqHalf = (x: Tensor): Tensor => hold(hold(x.square()).add(0.5));
const shapeOf = (n: Node) => n.val.shape;
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Builds one random graph over a shared set of leaves. */
class Builder {
  nodes: Node[] = [];
  /** Ops pick from leaves and from nodes from this index on (a second graph must not reuse the first's ops: their graph is consumed). */
  from = 0;
  constructor(readonly rng: Rng, readonly leaves: number[], shared: Node[]) {
    this.nodes = shared;
  }

  leaf(shape: number[], rg: boolean, dtype: "float32" | "int32" = "float32", data?: Float32Array | Int32Array): number {
    const n = sizeOf(shape);
    const values = data ?? (dtype === "int32" ? new Int32Array(n) : Float32Array.from({ length: n }, () => this.rng.normal()));
    const val = new R.RT(shape.slice(), Float64Array.from(values), dtype);
    this.nodes.push({ name: "leaf", inputs: [], ts: () => null as never, ref: () => val, stop: false, rg, val, leaf: { data: values, dtype } });
    this.leaves.push(this.nodes.length - 1);
    return this.nodes.length - 1;
  }

  /** A float node, recent ones more likely. */
  pick(filter: (n: Node) => boolean = () => true): number | null {
    const ok = this.nodes.map((n, i) => [n, i] as const).filter(([n, i]) => n.val.dtype === "float32" && (i >= this.from || n.leaf) && filter(n));
    if (ok.length === 0) return null;
    return this.rng.chance(0.5) ? ok[ok.length - 1][1] : this.rng.pick(ok)[1];
  }

  maxAbs(i: number): number {
    return this.nodes[i].val.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  }

  /** Adds a node if the reference accepts its arguments; returns its index or null. */
  add(name: string, inputs: number[], ts: Ts, ref: Ref, stop = false): number | null {
    let val: R.RT;
    try {
      val = ref(...inputs.map((i) => this.nodes[i].val));
    } catch (e) {
      if (e instanceof R.Invalid || e instanceof R.TooBig) return null;
      throw e;
    }
    const rg = !stop && inputs.some((i) => this.nodes[i].rg);
    this.nodes.push({ name, inputs, ts, ref, stop, rg, val });
    return this.nodes.length - 1;
  }

  axis(nd: number): number {
    const n = Math.max(nd, 1);
    return this.rng.range(-n, n - 1);
  }

  /** A shape broadcastable to s. */
  broadcastable(s: readonly number[]): number[] {
    return s.slice(this.rng.int(s.length + 1)).map((d) => (this.rng.chance(0.3) ? 1 : d));
  }

  /** One random op on existing nodes (null when the pick does not fit). */
  step(): number | null {
    const r = this.rng;
    const a = this.pick();
    if (a === null) return null;
    const A = this.nodes[a];
    const big = this.maxAbs(a) > 4;
    const kind = r.weighted<string>([
      [3, "unary"], [1, "logpos"], [1, "sqrtpos"], [1, "pow"], [5, "binary"], [2, "scalar"], [2, "sum"], [1, "max"],
      [2, "reshape"], [1, "squeeze"], [1, "permute"], [1, "slice"], [1, "expand"], [1, "concat"], [1, "gather"],
      [1, "takeAlongDim"], [2, "matmul"], [1, "linear"], [2, "softmax"], [1, "layerNorm"], [1, "mse"], [1, "bce"],
      [1, "crossEntropy"], [1, "dropout"], [0.5, "clone"],
    ]);
    switch (kind) {
      case "unary": {
        const op = r.pick<R.UnaryName>(big ? ["neg", "tanh", "sigmoid", "relu", "abs", "gelu", "silu"] : ["neg", "exp", "tanh", "sigmoid", "relu", "gelu", "silu", "abs", "square"]);
        return this.add(op, [a], (x) => (r.chance(0.5) ? (F[op] as Ts)(x) : (x[op] as () => Tensor).call(x)), (x) => R.unary(ctx, op, x));
      }
      case "logpos": // log and sqrt and div on x² + 0.5, away from their poles
        return this.add("log x²+½", [a], (x) => sqHalf(x).log(), (x) => R.unary(ctx, "log", R.binary(ctx, "add", R.unary(ctx, "square", x), 0.5)));
      case "sqrtpos":
        return this.add("sqrt x²+½", [a], (x) => sqHalf(x).sqrt(), (x) => R.unary(ctx, "sqrt", R.binary(ctx, "add", R.unary(ctx, "square", x), 0.5)));
      case "pow": {
        const p = r.pick(big ? [2] : [2, 3, 0.5, -1, 1.5]);
        if (p === 2 || p === 3) return this.add(`pow ${p}`, [a], (x) => x.pow(p), (x) => R.pow(ctx, x, p));
        return this.add(`pow x²+½ ${p}`, [a], (x) => sqHalf(x).pow(p), (x) => R.pow(ctx, R.binary(ctx, "add", R.unary(ctx, "square", x), 0.5), p));
      }
      case "binary": {
        const op = r.pick<R.BinaryName>(["add", "sub", "mul", "div"]);
        const s = shapeOf(A);
        const b = r.weighted<() => number | null>([
          [2, () => a], // both sides of one op
          [3, () => this.pick((n) => broadcasts(n.val.shape, s))],
          [3, () => this.leaf(this.broadcastable(s), r.chance(0.7))],
        ])();
        if (b === null) return null;
        const [x, y] = r.chance(0.3) ? [b, a] : [a, b];
        if (op === "div") {
          return this.add("div x/(y²+½)", [x, y], (u, v) => u.div(sqHalf(v)), (u, v) => R.binary(ctx, "div", u, R.binary(ctx, "add", R.unary(ctx, "square", v), 0.5)));
        }
        return this.add(op, [x, y], (u, v) => (r.chance(0.5) ? (F[op] as Ts)(u, v) : (u[op] as (o: Tensor) => Tensor).call(u, v)), (u, v) => R.binary(ctx, op, u, v));
      }
      case "scalar": {
        const op = r.pick<R.BinaryName>(["add", "sub", "mul", "div"]);
        const c = r.pick([2, -0.5, 3.25, 0.1, -4]);
        return this.add(`${op} ${c}`, [a], (x) => (x[op] as (o: number) => Tensor).call(x, c), (x) => R.binary(ctx, op, x, c));
      }
      case "sum": {
        const fn = r.pick(["sum", "mean"] as const);
        const nd = A.val.ndim;
        const axes = r.chance(0.3) ? undefined : [...new Set(Array.from({ length: r.range(1, Math.max(1, nd)) }, () => this.axis(nd)))];
        const keep = r.chance(0.5);
        return this.add(`${fn}(${JSON.stringify(axes)}, ${keep})`, [a], (x) => x[fn](axes, keep), (x) => R.sumLike(ctx, fn, x, axes, keep));
      }
      case "max": {
        const fn = r.pick(["max", "min"] as const);
        const axis = r.chance(0.3) ? undefined : this.axis(A.val.ndim);
        const keep = r.chance(0.5);
        return this.add(`${fn}(${axis}, ${keep})`, [a], (x) => x[fn](axis, keep), (x) => R.extreme(ctx, fn, x, axis, keep));
      }
      case "reshape": {
        if (r.chance(0.2)) return this.add("flatten", [a], (x) => x.flatten(), (x) => R.reshape(ctx, x, [-1]));
        const s = factor(r, A.val.size);
        return this.add(`reshape ${JSON.stringify(s)}`, [a], (x) => x.reshape(s), (x) => R.reshape(ctx, x, s));
      }
      case "squeeze": {
        if (r.chance(0.5)) {
          const d = this.axis(A.val.ndim + 1);
          return this.add(`unsqueeze ${d}`, [a], (x) => x.unsqueeze(d), (x) => R.unsqueeze(ctx, x, d));
        }
        const d = r.chance(0.3) ? undefined : this.axis(A.val.ndim);
        return this.add(`squeeze ${d}`, [a], (x) => x.squeeze(d), (x) => R.squeeze(ctx, x, d));
      }
      case "permute": {
        const nd = A.val.ndim;
        if (r.chance(0.5) && nd >= 1) {
          const d0 = this.axis(nd), d1 = this.axis(nd);
          return this.add(`transpose ${d0} ${d1}`, [a], (x) => x.transpose(d0, d1), (x) => R.transpose(ctx, x, d0, d1));
        }
        const p = shuffle(r, Array.from({ length: nd }, (_, i) => i));
        return this.add(`permute ${JSON.stringify(p)}`, [a], (x) => x.permute(p), (x) => R.permute(ctx, x, p));
      }
      case "slice": {
        if (A.val.ndim === 0) return null;
        const d = this.axis(A.val.ndim);
        const n = A.val.shape[(d + A.val.ndim) % A.val.ndim];
        const s = r.range(-n, n), e = r.chance(0.3) ? undefined : r.range(-n, n + 1);
        return this.add(`slice ${d} ${s} ${e}`, [a], (x) => x.slice(d, s, e), (x) => R.slice(ctx, x, d, s, e));
      }
      case "expand": {
        const target = [...(r.chance(0.4) ? [r.range(1, 3)] : []), ...A.val.shape.map((d) => (d === 1 ? r.range(1, 3) : r.chance(0.3) ? -1 : d))];
        if (sizeOf(target.map((d) => (d === -1 ? 1 : d))) * A.val.size > 512) return null;
        return this.add(`expand ${JSON.stringify(target)}`, [a], (x) => x.expand(target), (x) => R.expand(ctx, x, target));
      }
      case "concat": {
        if (A.val.ndim === 0) return null;
        const axis = this.axis(A.val.ndim);
        const ax = (axis + A.val.ndim) % A.val.ndim;
        const parts = [a];
        for (let k = r.range(1, 2); k > 0; k--) {
          if (r.chance(0.4)) parts.push(a);
          else {
            const s = A.val.shape.slice();
            s[ax] = r.range(1, 3);
            parts.push(this.leaf(s, r.chance(0.7)));
          }
        }
        return this.add(`concat ${axis}`, parts, (...xs) => T.concat(xs, axis), (...xs) => R.concat(ctx, xs, axis));
      }
      case "gather": {
        const axis = this.axis(A.val.ndim);
        const bound = A.val.ndim === 0 ? 1 : A.val.shape[(axis + A.val.ndim) % A.val.ndim];
        if (bound === 0) return null;
        const ishape = [r.range(1, 4), ...(r.chance(0.3) ? [2] : [])];
        const idx = this.leaf(ishape, false, "int32", Int32Array.from({ length: sizeOf(ishape) }, () => r.int(bound)));
        if (A.val.ndim === 2 && (axis === 0 || axis === -2) && r.chance(0.4)) {
          return this.add("embedding", [a, idx], (w, i) => (r.chance(0.5) ? F.embedding(w, i) : i.embedding(w)), (w, i) => R.embedding(ctx, w, i));
        }
        return this.add(`gather ${axis}`, [a, idx], (x, i) => x.gather(i, axis), (x, i) => R.gather(ctx, x, i, axis));
      }
      case "takeAlongDim": {
        const nd = A.val.ndim;
        const d = this.axis(nd);
        const dd = (d + Math.max(nd, 1)) % Math.max(nd, 1);
        const bound = nd === 0 ? 1 : A.val.shape[dd];
        if (bound === 0) return null;
        const ishape = A.val.shape.map((n, i) => (i === dd ? r.range(1, 3) : r.range(Math.min(1, n), n)));
        const idx = this.leaf(ishape, false, "int32", Int32Array.from({ length: sizeOf(ishape) }, () => r.int(bound)));
        return this.add(`takeAlongDim ${d}`, [a, idx], (x, i) => x.takeAlongDim(i, d), (x, i) => R.takeAlongDim(ctx, x, i, d));
      }
      case "matmul": {
        const s = A.val.shape;
        if (s.length === 0) return null;
        const k = s[s.length - 1];
        const n = r.range(1, 4);
        const bShape = r.weighted<number[]>([[3, [k, n]], [1, [k]], [1, [...s.slice(0, -2).map((d) => (r.chance(0.3) ? 1 : d)), k, n]], [1, [2, k, n]]]);
        const b = r.chance(0.2) && s.length === 2 && s[0] === s[1] ? a : this.leaf(bShape, r.chance(0.8));
        const [x, y] = r.chance(0.2) && this.nodes[b].val.ndim >= 2 ? [b, a] : [a, b];
        return this.add("matmul", [x, y], (u, v) => (r.chance(0.5) ? u.matmul(v) : F.matmul(u, v)), (u, v) => R.matmul(ctx, u, v));
      }
      case "linear": {
        const s = A.val.shape;
        if (s.length === 0) return null;
        const inF = s[s.length - 1], outF = r.range(1, 4);
        const w = this.leaf([outF, inF], r.chance(0.8));
        if (r.chance(0.5)) return this.add("linear", [a, w], (x, ww) => F.linear(x, ww), (x, ww) => R.linear(ctx, x, ww, null));
        const bias = this.leaf([outF], r.chance(0.8));
        return this.add("linear+bias", [a, w, bias], (x, ww, bb) => F.linear(x, ww, bb), (x, ww, bb) => R.linear(ctx, x, ww, bb));
      }
      case "softmax": {
        const fn = r.pick(["softmax", "logSoftmax"] as const);
        const axis = this.axis(A.val.ndim);
        return this.add(`${fn} ${axis}`, [a], (x) => x[fn](axis), (x) => R.softmax(ctx, fn, x, axis));
      }
      case "layerNorm": {
        const nd = A.val.ndim;
        if (nd === 0) return null;
        const ns = A.val.shape.slice(nd - r.range(1, Math.min(2, nd)));
        if (sizeOf(ns) < 2) return null; // one value: x̂ = 0 and a gradient of 0/0 scale
        const w = r.chance(0.5) ? this.leaf(ns, r.chance(0.8)) : null;
        const b = r.chance(0.5) ? this.leaf(ns, r.chance(0.8)) : null;
        const ins = [a, ...(w !== null ? [w] : []), ...(b !== null ? [b] : [])];
        return this.add(`layerNorm ${JSON.stringify(ns)}`, ins,
          (x, ...p) => x.layerNorm(ns, w !== null ? p[0] : null, b !== null ? p[w !== null ? 1 : 0] : null),
          (x, ...p) => R.layerNorm(ctx, x, ns, w !== null ? p[0] : null, b !== null ? p[w !== null ? 1 : 0] : null, 1e-5));
      }
      case "mse": {
        const b = r.chance(0.3) ? a : this.pick((n) => shapesEqual(n.val.shape, A.val.shape)) ?? this.leaf(A.val.shape.slice(), r.chance(0.5));
        const red = r.pick(["mean", "sum", "none"] as const);
        return this.add(`mseLoss ${red}`, [a, b], (x, y) => F.mseLoss(x, y, red), (x, y) => R.mseLoss(ctx, x, y, red));
      }
      case "bce": {
        const t = this.leaf(A.val.shape.slice(), r.chance(0.3), "float32", Float32Array.from({ length: A.val.size }, () => r.next()));
        const red = r.pick(["mean", "sum", "none"] as const);
        return this.add(`bce ${red}`, [a, t], (x, y) => F.binaryCrossEntropyWithLogits(x, y, red), (x, y) => R.bceWithLogits(ctx, x, y, red));
      }
      case "crossEntropy": {
        const s = A.val.shape;
        if (s.length === 0 || s[s.length - 1] === 0) return null;
        const C = s[s.length - 1];
        const tgt = Int32Array.from({ length: sizeOf(s.slice(0, -1)) }, () => (r.chance(0.15) ? -100 : r.int(C)));
        const t = this.leaf(s.slice(0, -1), false, "int32", tgt);
        const options = { labelSmoothing: r.pick([0, 0, 0.1, 0.3]), reduction: r.pick(["mean", "sum", "none"] as const) };
        if (options.reduction === "mean" && tgt.every((v) => v === -100)) return null; // NaN loss
        return this.add(`crossEntropy ${JSON.stringify(options)}`, [a, t], (x, y) => F.crossEntropy(x, y, options), (x, y) => R.crossEntropy(ctx, x, y, options));
      }
      case "dropout": {
        // the mask for this seed and size comes from dropping out a tensor of ones
        const p = r.pick([0.2, 0.5]), seed = r.int(1000);
        const m = T.tidy(() => Float64Array.from(F.dropout(T.ones([A.val.size]), p, true, new Generator(seed)).data()));
        return this.add(`dropout ${p}`, [a], (x) => F.dropout(x, p, true, new Generator(seed)), (x) => new R.RT(x.shape.slice(), x.data.map((v, i) => R.round(v * m[i]))));
      }
      case "clone":
        return this.add("clone", [a], (x) => x.clone(), (x) => R.clone(ctx, x));
    }
    return null;
  }

  /** The same op as step() but a constant for the gradient: computed under noGrad, or detached. */
  island(): number | null {
    const i = this.step();
    if (i === null) return null;
    const n = this.nodes[i];
    const detach = this.rng.chance(0.5);
    const ts = n.ts;
    n.name = `${detach ? "detach" : "noGrad"}(${n.name})`;
    n.ts = detach ? (...xs) => {
      const y = ts(...xs);
      const d = y.detach();
      y.dispose();
      return d;
    } : (...xs) => T.noGrad(() => ts(...xs));
    n.stop = true;
    n.rg = false;
    return i;
  }
}

function broadcasts(a: readonly number[], b: readonly number[]): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return sizeOf(a) * sizeOf(b) <= 4096;
}
function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
function shuffle<T>(r: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
function factor(r: Rng, n: number): number[] {
  const out: number[] = [];
  let rest = n;
  while (rest > 1) {
    const ds = [2, 3, 4, 5, 6, 7].filter((d) => rest % d === 0);
    const d = ds.length > 0 && r.chance(0.7) ? r.pick(ds) : rest;
    out.push(d);
    rest /= d;
  }
  if (n === 0) out.push(0);
  if (r.chance(0.3)) out.splice(r.int(out.length + 1), 0, 1);
  if (out.length > 0 && r.chance(0.3)) out[r.int(out.length)] = -1;
  return out;
}

/** One graph's root: which node, and the weights of an explicit gradient (null: a scalar backward). */
interface Root {
  node: number;
  weights: Float32Array | null;
  /** The explicit gradient is root.detach() itself (a view sharing the root's storage). */
  selfGradient?: boolean;
  /** The nodes of this graph (for the consumed-graph and tidy checks). */
  nodes: number[];
}

/** A random graph of `size` ops ending in a node that needs a gradient. */
function buildGraph(b: Builder, size: number): Root | null {
  const start = b.nodes.length;
  for (let tries = 0, made = 0; made < size && tries < size * 20; tries++) {
    if ((b.rng.chance(0.12) ? b.island() : b.step()) !== null) made++;
  }
  // the root: the last node that needs a gradient and is not too large
  for (let i = b.nodes.length - 1; i >= start; i--) {
    const n = b.nodes[i];
    if (n.rg && n.val.size <= 256 && n.val.dtype === "float32" && n.val.data.every(Number.isFinite)) {
      const scalar = n.val.size === 1 && b.rng.chance(0.6);
      const self = !scalar && b.rng.chance(0.2);
      const weights = scalar ? null : self ? Float32Array.from(n.val.data) : Float32Array.from({ length: n.val.size }, () => b.rng.normal());
      return { node: i, weights, selfGradient: self, nodes: range(start, b.nodes.length) };
    }
  }
  return null;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/** The float64 value of every node with the leaves replaced by `leafVals`; islands keep their base value. */
function evaluate(nodes: Node[], upTo: number, leafVals: Map<number, R.RT>): R.RT[] {
  const vals: R.RT[] = [];
  for (let i = 0; i <= upTo; i++) {
    const n = nodes[i];
    vals.push(n.leaf ? leafVals.get(i) ?? n.val : n.stop ? n.val : n.ref(...n.inputs.map((j) => vals[j])));
  }
  return vals;
}

/** Σ w·root (or the scalar root) of each graph, summed, in float64. */
function objective(nodes: Node[], roots: Root[], leafVals: Map<number, R.RT>): number {
  const last = Math.max(...roots.map((r) => r.node));
  const vals = evaluate(nodes, last, leafVals);
  let total = 0;
  for (const r of roots) {
    const v = vals[r.node].data;
    for (let i = 0; i < v.length; i++) total += (r.weights ? r.weights[i] : 1) * v[i];
  }
  return total;
}

/** Finite-difference gradient of the objective with respect to each leaf that needs one. */
function numericGrads(nodes: Node[], roots: Root[], leaves: number[]): Map<number, Float64Array> {
  R.exactFloat64(true);
  try {
    const out = new Map<number, Float64Array>();
    for (const l of leaves) {
      if (!nodes[l].rg) continue;
      const base = nodes[l].val;
      const g = new Float64Array(base.size);
      for (let j = 0; j < base.size; j++) {
        const h = H * Math.max(1, Math.abs(base.data[j]));
        const up = new R.RT(base.shape, base.data.slice()), down = new R.RT(base.shape, base.data.slice());
        up.data[j] += h;
        down.data[j] -= h;
        g[j] = (objective(nodes, roots, new Map([[l, up]])) - objective(nodes, roots, new Map([[l, down]]))) / (2 * h);
      }
      out.set(l, g);
    }
    return out;
  } finally {
    R.exactFloat64(false);
  }
}

/** Node tensors in tessera, in order (leaves fresh each time). */
function materialise(nodes: Node[], upTo: number, into: (Tensor | null)[]): void {
  for (let i = into.length; i <= upTo; i++) {
    const n = nodes[i];
    if (n.leaf) into.push(T.tensor(n.leaf.data, n.val.shape.slice(), { dtype: n.leaf.dtype, requiresGrad: n.rg }));
    else into.push(n.ts(...n.inputs.map((j) => into[j]!)));
  }
}

/** Runs the graphs' forward and backward passes in tessera; returns the leaves' gradients. */
function runTessera(nodes: Node[], roots: Root[], leaves: number[]): { grads: Map<number, Float32Array | null>; tensors: (Tensor | null)[] } {
  const tensors: (Tensor | null)[] = [];
  try {
    for (const r of roots) {
      materialise(nodes, r.node, tensors);
      const root = tensors[r.node]!;
      if (r.weights === null) root.backward();
      else {
        // the root's values as its own gradient, through a view of its storage (backward copies it)
        const w = r.selfGradient ? root.detach() : T.tensor(r.weights, root.shape.slice());
        try {
          root.backward(w);
        } finally {
          w.dispose();
        }
      }
    }
  } catch (e) {
    disposeAll(tensors);
    throw e;
  }
  const grads = new Map<number, Float32Array | null>();
  for (const l of leaves) if (nodes[l].rg) grads.set(l, tensors[l]!.grad ? Float32Array.from(tensors[l]!.grad!.data()) : null);
  return { grads, tensors };
}

function disposeAll(tensors: (Tensor | null)[]): void {
  for (const t of tensors) t?.dispose();
  for (const t of held.splice(0)) t.dispose();
}

/** Whether leaf l reaches one of the roots through ops that pass gradients. */
function reaches(nodes: Node[], l: number, roots: Root[]): boolean {
  const live = new Set<number>(roots.map((r) => r.node));
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!live.has(i) || nodes[i].stop) continue;
    for (const j of nodes[i].inputs) live.add(j);
  }
  return live.has(l);
}

function describeGraph(nodes: Node[], roots: Root[]): string {
  return nodes.map((n, i) => `  %${i} = ${n.name}(${n.inputs.map((j) => `%${j}`).join(", ")}) ${JSON.stringify(n.val.shape)}${n.rg ? " rg" : ""}${roots.some((r) => r.node === i) ? ` ← root${roots.find((r) => r.node === i)!.weights ? " (explicit gradient)" : ""}` : ""}`).join("\n");
}

function expectTesseraError(fn: () => unknown, code: string, what: string): void {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === null) throw new Error(`${what}: expected ${code}, nothing was thrown`);
  const breach = errorContractBreach(err);
  if (breach) throw new Error(`${what}: ${breach}`);
  if ((err as { code: string }).code !== code) throw new Error(`${what}: expected ${code}, got ${(err as T.TesseraError).code}: ${(err as Error).message}`);
}

function sameGrads(a: Map<number, Float32Array | null>, b: Map<number, Float32Array | null>): boolean {
  for (const [l, g] of a) {
    const h = b.get(l);
    if ((g === null) !== (h === null || h === undefined)) return false;
    if (g && h && g.some((v, i) => !Object.is(v, h[i]) && !(Number.isNaN(v) && Number.isNaN(h[i])))) return false;
  }
  return true;
}

/** What the seeds covered: graphs checked, ops on checked paths, and the E_GRAD cases. */
const coverage = { graphs: 0, twoGraphs: 0, explicit: 0, islands: 0, consumed: 0, inPlace: 0, tidy: 0, ops: new Map<string, number>() };

describe("autograd fuzz", () => {
  afterAll(() => {
    const ops = [...coverage.ops].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ${n}`).join(", ");
    console.log(`autograd fuzz: ${coverage.graphs} graphs checked (${coverage.twoGraphs} with two backward passes, ${coverage.explicit} with an explicit gradient, ${coverage.islands} with noGrad/detach islands); E_GRAD checks: consumed ${coverage.consumed}, in-place ${coverage.inPlace}, tidy ${coverage.tidy}; ops: ${ops}`);
  });

  it.each(SEEDS)("seed %i: random graphs' gradients match float64 finite differences", (seed) => {
    const rng = new Rng(seed);
    T.ones([1]).dispose();
    const baseline = T.memory().numBlocks;
    let checked = 0;
    for (let g = 0; g < GRAPHS; g++) {
      const nodes: Node[] = [];
      const leaves: number[] = [];
      const b = new Builder(rng, leaves, nodes);
      for (let k = rng.range(1, 3); k > 0; k--) b.leaf(randomShape(rng), rng.chance(0.85));
      const roots: Root[] = [];
      const first = buildGraph(b, rng.range(2, 7));
      if (first === null) continue;
      roots.push(first);
      // two graphs over the same leaves: the second backward adds to .grad
      if (rng.chance(0.3)) {
        b.from = nodes.length;
        const second = buildGraph(b, rng.range(1, 5));
        if (second !== null) roots.push(second);
      }
      const where = `seed ${seed}, graph #${g}:\n${describeGraph(nodes, roots)}`;
      try {
        const { grads, tensors } = runTessera(nodes, roots, leaves);
        // forward values against the reference (loosely: errors of a chain of float32 ops add up)
        for (const r of roots) {
          const bad = forwardMismatch(tensors[r.node]!.data(), nodes[r.node].val);
          if (bad) throw new Error(`root %${r.node} value: ${bad}`);
        }
        // gradients against float64 finite differences
        const numeric = numericGrads(nodes, roots, leaves);
        for (const [l, fd] of numeric) {
          const got = grads.get(l)!;
          if (!reaches(nodes, l, roots)) {
            if (got !== null) throw new Error(`leaf %${l} is not reachable from the roots but has a .grad`);
            continue;
          }
          if (got === null) throw new Error(`leaf %${l} reaches a root but has no .grad`);
          const scale = fd.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          for (let j = 0; j < fd.length; j++) {
            const tol = 2e-3 * Math.abs(fd[j]) + 1e-3 * scale + 1e-4;
            if (!(Math.abs(got[j] - fd[j]) <= tol)) {
              throw new Error(`leaf %${l} grad[${j}] = ${got[j]}, finite differences ${fd[j]} (tolerance ${tol.toExponential(2)}); whole grad ${JSON.stringify(Array.from(got))} vs ${JSON.stringify(Array.from(fd))}`);
            }
          }
        }
        checked++;
        coverage.graphs++;
        if (roots.length > 1) coverage.twoGraphs++;
        if (roots.some((r) => r.weights !== null)) coverage.explicit++;
        if (nodes.some((n) => n.stop)) coverage.islands++;
        for (const n of nodes) if (!n.leaf) {
          const op = /^(?:noGrad\(|detach\()?([A-Za-z+]+)/.exec(n.name)![1];
          coverage.ops.set(op, (coverage.ops.get(op) ?? 0) + 1);
        }
        // a second, independent evaluation gives the same gradients bit for bit
        const again = runTessera(nodes, roots, leaves);
        if (!sameGrads(grads, again.grads)) throw new Error("a second evaluation gave different gradients");
        // backward over the consumed graph: E_GRAD, nothing changes
        const root = tensors[roots[0].node]!;
        if (nodes[roots[0].node].inputs.length > 0) {
          const w = roots[0].weights ? T.tensor(roots[0].weights, root.shape.slice()) : undefined;
          expectTesseraError(() => root.backward(w), "E_GRAD", "backward over a consumed graph");
          coverage.consumed++;
          w?.dispose();
          const after = new Map([...grads].map(([l]) => [l, tensors[l]!.grad ? Float32Array.from(tensors[l]!.grad!.data()) : null]));
          if (!sameGrads(grads, after)) throw new Error("a refused backward changed a .grad");
        }
        disposeAll(again.tensors);
        disposeAll(tensors);
        if (rng.chance(0.3)) mutationChecks(rng, nodes, roots, leaves);
      } catch (e) {
        throw new Error(`${where}\n${(e as Error).message}\n  replay: FUZZ_SEED=${seed} npx vitest run test/fuzz/autograd.fuzz.test.ts`, { cause: e });
      }
      // every tensor of the graph is gone: memory is back where it was
      const problems = memoryBreaches();
      if (problems.length > 0) throw new Error(`${where}\nmemory(): ${problems.join("; ")}`);
      if (T.memory().numBlocks !== baseline) throw new Error(`${where}\nnumBlocks ${T.memory().numBlocks} after disposing the graph, baseline ${baseline}`);
    }
    expect(checked, "graphs whose gradients were checked").toBeGreaterThan(GRAPHS / 2);
  });
});

/** The E_GRAD cases: an in-place change to a tensor the graph reads, and tidy() around the forward. */
function mutationChecks(rng: Rng, nodes: Node[], roots: Root[], leaves: number[]): void {
  const root = roots[0];
  // in-place: copy_ into an input of a mul (whose backward reads both inputs), after a first
  // backward so that .grad holds values a failed backward must not touch
  const mul = root.nodes.find((i) => nodes[i].name === "mul" && nodes[i].rg && reachesNode(nodes, i, root.node));
  {
    const t: (Tensor | null)[] = [];
    for (let i = 0; i <= root.node; i++) t.push(nodes[i].leaf ? T.tensor(nodes[i].leaf!.data, nodes[i].val.shape.slice(), { dtype: nodes[i].leaf!.dtype, requiresGrad: nodes[i].rg }) : null);
    // every leaf that needs one gets a gradient first (ones), which the refused backward must keep
    for (const x of t) if (x?.requiresGrad) T.tidy(() => x.sum().backward());
    for (let i = 0; i <= root.node; i++) if (!nodes[i].leaf) t[i] = nodes[i].ts(...nodes[i].inputs.map((j) => t[j]!));
    // the tensor to change: an input of a mul in the graph (whose backward reads both), or the
    // root itself after a mul of the root by itself is appended
    let out = t[root.node]!, target: Tensor, what: string;
    if (mul !== undefined && rng.chance(0.5)) {
      target = t[nodes[mul].inputs[rng.int(2)]]!;
      what = `an input of %${mul} (mul)`;
    } else {
      target = out;
      out = hold(out.mul(out));
      what = "the root, read by root·root";
    }
    T.noGrad(() => T.tidy(() => target.copy_(target.detach().clone())));
    const seed = T.ones(out.shape.slice());
    expectTesseraError(() => out.backward(seed), "E_GRAD", `backward after copy_ into ${what}`);
    coverage.inPlace++;
    seed.dispose();
    for (const l of leaves) {
      const g = t[l]?.grad;
      if (t[l]?.requiresGrad && (!g || g.data().some((v) => v !== 1))) throw new Error(`a backward refused after copy_ changed leaf %${l}'s .grad`);
    }
    disposeAll(t);
  }
  // tidy() around the forward frees the intermediates: backward outside is E_GRAD, no .grad is set
  const inner = nodes[root.node].inputs.some((i) => !nodes[i].leaf && nodes[i].rg);
  if (inner) {
    const leafTensors: (Tensor | null)[] = [];
    for (let i = 0; i <= root.node; i++) leafTensors.push(nodes[i].leaf ? T.tensor(nodes[i].leaf!.data, nodes[i].val.shape.slice(), { dtype: nodes[i].leaf!.dtype, requiresGrad: nodes[i].rg }) : null);
    const out = T.tidy(() => {
      const all = leafTensors.slice();
      for (let i = 0; i <= root.node; i++) if (!nodes[i].leaf) all[i] = nodes[i].ts(...nodes[i].inputs.map((j) => all[j]!));
      return all[root.node]!;
    });
    const seed = T.ones(out.shape.slice());
    expectTesseraError(() => out.backward(seed), "E_GRAD", "backward after tidy() freed the graph");
    coverage.tidy++;
    seed.dispose();
    for (const l of leaves) if (leafTensors[l] && leafTensors[l]!.grad !== null) throw new Error(`leaf %${l} got a .grad from a refused backward`);
    out.dispose();
    disposeAll(leafTensors);
  }
}

function reachesNode(nodes: Node[], from: number, to: number): boolean {
  const live = new Set([to]);
  for (let i = to; i >= 0; i--) {
    if (!live.has(i) || nodes[i].stop) continue;
    for (const j of nodes[i].inputs) live.add(j);
  }
  return live.has(from);
}

function randomShape(r: Rng): number[] {
  return Array.from({ length: r.weighted([[1, 0], [3, 1], [4, 2], [2, 3]]) }, () => r.weighted([[0.3, 0], [3, 1], [4, 2], [4, 3], [2, 4], [1, 5]]));
}

/** Forward values within 1e-3 of the largest reference magnitude (NaN where NaN). */
function forwardMismatch(got: ArrayLike<number>, want: R.RT): string | null {
  if (got.length !== want.size) return `length ${got.length}, expected ${want.size}`;
  const scale = want.data.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  for (let i = 0; i < want.size; i++) {
    const g = got[i], r = want.data[i];
    if (Number.isNaN(r) !== Number.isNaN(g)) return `element ${i}: ${g}, expected ${r}`;
    if (Number.isFinite(r) && !(Math.abs(g - r) <= 1e-3 * (Math.abs(r) + scale) + 1e-6)) return `element ${i}: ${g}, expected ${r}`;
  }
  return null;
}
