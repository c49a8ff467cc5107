// The dynamic tape, micrograd-style. Every op that sees an input with requiresGrad records a node
// {inputs, outputs, backward}; a node may have several outputs (fused recurrent cells). backward()
// orders the nodes reverse-topologically, hands each node the gradients of its outputs, sums the
// gradients that meet at a tensor, and finally accumulates into the leaves' .grad (like PyTorch,
// across calls until zeroGrad). Everything is checked before any work starts, and leaves are only
// written once every node has succeeded, so a failed backward() changes nothing. The graph is freed
// after one backward, as with retain_graph=False. The tape reaches devices only through tensors.
import { TesseraError, describe } from "../errors.js";
import { fmt, shapesEqual } from "./shape.js";
import { adopt, keep, scoped, tidy } from "./scope.js";
import { Tensor } from "./tensor.js";

export interface GradNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** What the op produced; `outputs[i].outputIndex === i`. */
  readonly outputs: readonly Tensor[];
  /** Gradients for each input, given one per output (null where none flowed to that output). */
  backward(grads: (Tensor | null)[]): (Tensor | null)[];
  /** Tensors the op made only for its backward (indices, statistics); freed with the graph. */
  readonly saved: Tensor[];
  /** Intermediates of a composite op, reachable only through this node; freed with the graph. */
  readonly owned: Tensor[];
  /** Tensors whose values backward reads, and their storage versions when the op ran. */
  readonly reads: readonly Tensor[];
  readonly versions: readonly number[];
  /** Outputs not yet disposed: when none is left, saved and owned are freed. */
  live: number;
  /** Set once a backward() has consumed the node. */
  freed: boolean;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording operations (like `with torch.no_grad()`). fn must be synchronous. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TesseraError("E_TYPE", `noGrad: fn: expected a function, received ${describe(fn)}`);
  const prev = gradEnabled;
  gradEnabled = false;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = prev;
  }
  if (result instanceof Promise) {
    throw new TesseraError("E_TYPE", "noGrad: fn: expected a synchronous function, received one that returned a Promise (recording would resume at its first await)");
  }
  return result;
}

/** Whether an op on these inputs is recorded. */
export function recording(a: Tensor, b?: Tensor | null, c?: Tensor | null): boolean {
  return gradEnabled && (a.requiresGrad || (b != null && b.requiresGrad) || (c != null && c.requiresGrad));
}

function recordingAny(inputs: readonly Tensor[]): boolean {
  if (!gradEnabled) return false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i].requiresGrad) return true;
  return false;
}

const NONE: readonly Tensor[] = [];

/**
 * Records `outs = op(inputs)` on the tape when any input needs a gradient. `reads`: tensors whose
 * values the backward uses (checked for in-place changes). `saved`: tensors the op made for its
 * backward only; they leave tidy() scopes and are freed with the graph (at once when nothing is
 * recorded).
 */
export function recordMany(name: string, outs: readonly Tensor[], inputs: readonly Tensor[],
  backward: GradNode["backward"], reads: readonly Tensor[] = NONE, saved: readonly Tensor[] = NONE): void {
  if (!recordingAny(inputs)) {
    for (const t of saved) t.dispose();
    return;
  }
  const node: GradNode = {
    name, inputs, outputs: outs, backward, saved: saved.slice(), owned: [],
    reads, versions: reads.map((t) => t.version), live: outs.length, freed: false,
  };
  outs.forEach((out, i) => {
    out.requiresGrad = true;
    out.gradFn = node;
    out.outputIndex = i;
  });
  for (const t of saved) keep(t);
}

/** recordMany for the common single-output op. */
export function record(name: string, out: Tensor, inputs: readonly Tensor[], backward: (grad: Tensor) => (Tensor | null)[],
  reads: readonly Tensor[] = NONE, saved: readonly Tensor[] = NONE): Tensor {
  recordMany(name, [out], inputs, (gs) => backward(gs[0]!), reads, saved);
  return out;
}

/**
 * Runs an op composed of other ops. Without autograd its intermediates are freed at once (tidy);
 * with autograd they belong to the output's node and are freed with the graph or with the output.
 */
export function composite(inputs: readonly Tensor[], fn: () => Tensor): Tensor {
  if (!recordingAny(inputs)) return tidy(fn);
  const [out, created] = scoped(fn);
  created.delete(out);
  const node = out.gradFn;
  for (const t of created) {
    if (node === null || node.freed) t.dispose();
    else node.owned.push(keep(t));
  }
  adopt(out);
  return out;
}

function freeNode(node: GradNode): void {
  for (const t of node.saved) t.dispose();
  for (const t of node.owned) t.dispose();
  node.saved.length = 0;
  node.owned.length = 0;
}

/** Tensor.dispose() calls this for a tensor an op produced. */
export function outputDisposed(node: GradNode): void {
  if (--node.live === 0) freeNode(node);
}

function describeTensor(t: Tensor): string {
  const origin = t.gradFn ? `made by ${t.gradFn.name}` : "a leaf";
  return `tensor #${t.id} ${fmt(t.shape)} (${origin})`;
}

/** Nodes reachable from root, root's first, each before the nodes of its inputs. */
function topoOrder(root: GradNode): GradNode[] {
  const order: GradNode[] = [];
  const seen = new Set<GradNode>([root]);
  const stack: [GradNode, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].inputs;
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++].gradFn;
      if (next !== null && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order.reverse();
}

/** Everything that would make backward fail halfway, checked before any gradient is computed. */
function validate(nodes: readonly GradNode[]): void {
  for (const node of nodes) {
    if (node.freed) {
      throw new TesseraError("E_GRAD", `backward(): expected a graph that has not been backpropagated yet, received one whose ${node.name} node was freed by an earlier backward() (call backward() once per forward)`);
    }
    node.inputs.forEach((input, i) => {
      if (input.requiresGrad && input.isDisposed) {
        throw new TesseraError("E_GRAD", `backward(): ${node.name} input ${i}: expected a live tensor, received ${describeTensor(input)} that was disposed — ` +
          "by dispose() or at the end of the tidy() that created it; call backward() inside the tidy() that built the graph, or keep() what it needs");
      }
    });
    node.reads.forEach((t, i) => {
      if (t.version !== node.versions[i]) {
        throw new TesseraError("E_GRAD", `backward(): one of the tensors needed for gradient computation has been modified by an inplace operation: ` +
          `${describeTensor(t)}, read by ${node.name}, is at version ${t.version}; expected version ${node.versions[i]}`);
      }
    });
    for (const t of node.saved) {
      if (t.isDisposed) throw new TesseraError("E_GRAD", `backward(): ${node.name}: expected the tensors it saved for backward, received one that was disposed`);
    }
  }
}

function addInto(into: Tensor, g: Tensor): void {
  into.backend.axpy(into.handle, g.handle, g.size, 1);
}

function copyOf(t: Tensor): Tensor {
  const c = Tensor.empty(t.shape, t.dtype, t.backend);
  t.backend.copy(c.handle, t.handle, t.size);
  return c;
}

export function backward(root: Tensor, gradient?: Tensor): void {
  if (root.isDisposed) root.handle; // E_DISPOSED
  if (!root.requiresGrad) {
    throw new TesseraError("E_GRAD", `backward(): expected a tensor that requires grad, received ${root} (no input had requiresGrad, or it was made under noGrad)`);
  }
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new TesseraError("E_GRAD", `backward(): gradient: expected it for a non-scalar output, received none for shape ${fmt(root.shape)}`);
    }
  } else {
    if (!(gradient instanceof Tensor)) throw new TesseraError("E_TYPE", `backward(): gradient: expected a Tensor, received ${describe(gradient)}`);
    gradient.handle;
    if (!shapesEqual(gradient.shape, root.shape) || gradient.dtype !== "float32") {
      throw new TesseraError("E_SHAPE", `backward(): gradient: expected float32 ${fmt(root.shape)}, received ${gradient.dtype} ${fmt(gradient.shape)}`);
    }
    if (gradient.backend !== root.backend) {
      throw new TesseraError("E_DEVICE", `backward(): gradient: expected a tensor on ${root.backend.label}, received one on ${gradient.backend.label}`);
    }
  }
  const nodes = root.gradFn === null ? [] : topoOrder(root.gradFn);
  validate(nodes);

  const prev = gradEnabled;
  gradEnabled = false;
  const grads = new Map<Tensor, Tensor>(); // non-leaf tensor → gradient (each owns its storage)
  const leafGrads = new Map<Tensor, Tensor>();
  try {
    const [, leftovers] = scoped(() => {
      let seed: Tensor;
      if (gradient === undefined) {
        seed = Tensor.empty(root.shape, "float32", root.backend);
        root.backend.fill(seed.handle, 1, 1, "float32");
      } else seed = copyOf(gradient);
      (root.gradFn === null ? leafGrads : grads).set(root, seed);

      for (const node of nodes) {
        const outGrads = node.outputs.map((o) => grads.get(o) ?? null);
        if (outGrads.every((g) => g === null)) continue;
        const [inGrads, temporaries] = scoped(() => node.backward(outGrads));
        for (const o of node.outputs) grads.delete(o); // only now: on failure the map still owns them
        const returned = new Set(inGrads);
        for (const g of outGrads) if (g !== null && !returned.has(g)) g.dispose();
        for (const t of temporaries) if (!returned.has(t)) t.dispose();
        const pending: [Tensor, Tensor][] = [];
        node.inputs.forEach((input, i) => {
          const gi = inGrads[i];
          if (!gi || !input.requiresGrad) return;
          if (!shapesEqual(gi.shape, input.shape)) {
            throw new TesseraError("E_GRAD", `${node.name} backward: expected a gradient of shape ${fmt(input.shape)} for input ${i}, received ${fmt(gi.shape)}`);
          }
          pending.push([input, gi]);
        });
        for (const g of returned) if (g !== null && !pending.some(([, gi]) => gi === g)) g.dispose();
        // Every stored gradient must own its storage, since later gradients are added into it in
        // place. A tensor handed to two inputs, views sharing one storage (sumToShape returns
        // views) or a storage something else also holds is copied before it is stored.
        const holders = new Map<object, number>();
        for (const g of new Set(pending.map(([, gi]) => gi))) holders.set(g.storage!, (holders.get(g.storage!) ?? 0) + 1);
        const claimed = new Set<object>();
        const stored = new Set<Tensor>();
        for (const [input, gi] of pending) {
          const storage = gi.storage!;
          let g = gi;
          if (claimed.has(storage) || storage.refs > holders.get(storage)!) g = copyOf(gi);
          else claimed.add(storage);
          const into = input.gradFn === null ? leafGrads : grads;
          const prevG = into.get(input);
          if (prevG === undefined) {
            into.set(input, g);
            stored.add(g);
          } else {
            addInto(prevG, g);
            if (g !== gi) g.dispose();
          }
        }
        for (const [, gi] of pending) if (!stored.has(gi)) gi.dispose();
      }
      // Every node succeeded: commit the leaves, then free the graph.
      for (const [leaf, g] of leafGrads) {
        if (leaf.grad === null) leaf.grad = keep(g);
        else {
          addInto(leaf.grad, g);
          g.dispose();
        }
      }
      leafGrads.clear();
    });
    for (const t of leftovers) t.dispose(); // committed gradients were kept; nothing else survives
  } catch (e) {
    for (const g of grads.values()) g.dispose();
    for (const g of leafGrads.values()) g.dispose();
    throw e;
  } finally {
    gradEnabled = prev;
  }
  for (const node of nodes) {
    node.freed = true;
    freeNode(node);
  }
}
