// The dynamic tape, micrograd-style: every op that sees an input with requiresGrad records a node
// {inputs, backward}; backward() walks the nodes in reverse topological order, summing gradients
// that meet at a tensor, and accumulates into the leaves' .grad (like PyTorch, across calls until
// zeroGrad). The graph is freed after one backward, as with retain_graph=False.
import { TesseraError, describe } from "../errors.js";
import { fmt, shapesEqual } from "./shape.js";
import { keep, tidy } from "./scope.js";
import type { Tensor } from "./tensor.js";
import { cpuBackend } from "../backend/cpu-wasm.js";
import { ones } from "./creation.js";
import { clone } from "./layout.js";

export interface GradNode {
  name: string;
  inputs: Tensor[];
  /** Gradients for each input, given the gradient of the output (null where none flows). */
  backward(grad: Tensor): (Tensor | null)[];
  /** Tensors the op made only for its backward (indices, statistics); freed with the graph. */
  saved: Tensor[];
}

let gradEnabled = true;

// Marks a tensor whose graph one backward() already consumed.
const FREED_GRAPH: GradNode = {
  name: "freed",
  inputs: [],
  saved: [],
  backward() {
    throw new TesseraError("E_GRAD", "backward(): expected a graph that has not been backpropagated yet, received one whose saved tensors were freed by an earlier backward()");
  },
};

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording operations (like `with torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Records `out = op(inputs)` on the tape when any input needs a gradient. `saved` are tensors the
 * op made for its backward only: they leave tidy() scopes and are freed with the graph (or at
 * once when nothing is recorded).
 */
export function record(name: string, out: Tensor, inputs: Tensor[], backward: GradNode["backward"], saved: Tensor[] = []): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { name, inputs, backward, saved };
    for (const t of saved) keep(t);
  } else {
    for (const t of saved) t.dispose();
  }
  return out;
}

/**
 * Runs an op composed of other ops. Without autograd its intermediates are freed at once (tidy);
 * with autograd they stay alive as long as the graph needs them.
 */
export function composite<T>(inputs: Tensor[], fn: () => T): T {
  return gradEnabled && inputs.some((t) => t.requiresGrad) ? fn() : tidy(fn);
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].gradFn?.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order.reverse(); // root first
}

function accumulate(into: Tensor, g: Tensor): void {
  cpuBackend().axpyF32(into.ptr, g.ptr, g.size, 1);
}

export function backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) {
    throw new TesseraError("E_GRAD", `backward(): expected a tensor that requires grad, received ${root} (no input had requiresGrad, or it was made under noGrad)`);
  }
  root.ptr; // disposed → E_DISPOSED
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new TesseraError("E_GRAD", `backward(): gradient: expected it for a non-scalar output, received none for shape ${fmt(root.shape)}`);
    }
    seed = ones(root.shape);
  } else {
    if (!(gradient as { isTensor?: boolean })?.isTensor) {
      throw new TesseraError("E_TYPE", `backward(): gradient: expected a Tensor, received ${describe(gradient)}`);
    }
    if (!shapesEqual(gradient.shape, root.shape)) {
      throw new TesseraError("E_SHAPE", `backward(): gradient: expected shape ${fmt(root.shape)}, received ${fmt(gradient.shape)}`);
    }
    seed = noGrad(() => clone(gradient));
  }
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>([[root, seed]]);
    for (const t of topoOrder(root)) {
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      const node = t.gradFn;
      if (node === null) {
        if (t.grad === null) t.grad = keep(g);
        else {
          accumulate(t.grad, g);
          g.dispose();
        }
        continue;
      }
      const inputGrads = node.backward(g);
      // Each gradient tensor gets exactly one owner; a tensor handed to two inputs is copied.
      const used = new Set<Tensor>();
      node.inputs.forEach((input, i) => {
        let gi = inputGrads[i];
        if (!gi || !input.requiresGrad) return;
        if (!shapesEqual(gi.shape, input.shape)) {
          throw new TesseraError("E_GRAD", `${node.name} backward: expected a gradient of shape ${fmt(input.shape)} for input ${i}, received ${fmt(gi.shape)}`);
        }
        if (used.has(gi)) gi = clone(gi);
        used.add(gi);
        const prev = grads.get(input);
        if (prev === undefined) grads.set(input, gi);
        else {
          accumulate(prev, gi);
          gi.dispose();
        }
      });
      for (const x of new Set([g, ...inputGrads])) if (x && !used.has(x)) x.dispose();
      for (const x of node.saved) x.dispose();
      t.gradFn = FREED_GRAPH;
    }
  });
}
