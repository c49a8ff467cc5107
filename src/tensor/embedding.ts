// Embedding lookup: rows of weight [numEmbeddings, dim] picked by int32 ids of any shape
// (torch.nn.functional.embedding); the gradient scatter-adds into the picked rows, except the
// paddingIdx row, which gets none (torch's padding_idx).
import { TesseraError, checkInt } from "../errors.js";
import { Tensor } from "./tensor.js";
import { gather } from "./layout.js";
import { record } from "./autograd.js";
import { checkInt32, checkTensor, floatTensor, sameBackend } from "./check.js";
import { fmt } from "./shape.js";

/**
 * F.embedding(ids, weight, paddingIdx?) in torch's argument order; (weight, ids) — the order of
 * tessera's first releases — is accepted too: the int32 argument is the ids.
 */
export function embedding(a: Tensor, b: Tensor, paddingIdx: number | null = null): Tensor {
  const [w, input] = (a as { dtype?: unknown } | null)?.dtype === "int32" ? [b, a] : [a, b];
  const weight = floatTensor("embedding: weight", w);
  if (weight.ndim !== 2) throw new TesseraError("E_SHAPE", `embedding: weight: expected [numEmbeddings, dim], received ${fmt(weight.shape)}`);
  if (paddingIdx === null) return gather(weight, input, 0);
  const [num, dim] = weight.shape;
  const pad = checkInt("embedding: paddingIdx", paddingIdx, -num, num - 1);
  const padRow = pad < 0 ? pad + num : pad;
  const ids = checkInt32("embedding: indices", checkTensor("embedding: indices", input));
  sameBackend("embedding", ["weight", "indices"], [weight, ids]);
  // gather() range-checks and copies the rows; on a detached view it records nothing, so the
  // gradient recorded here can leave the padding row out.
  const detached = weight.detach();
  const out = gather(detached, ids, 0);
  detached.dispose();
  return record("embedding", out, [weight], (g) => {
    const be = weight.backend;
    const dw = Tensor.empty(weight.shape, "float32", be);
    be.fill(dw.handle, dw.size, 0, "float32");
    be.scatterAddRows(g.handle, ids.handle, dw.handle, ids.size, dim);
    const zeroRow = Tensor.empty([dim], "float32", be);
    be.fill(zeroRow.handle, dim, 0, "float32");
    be.stridedScatter(zeroRow.handle, dw.handle, [dim], [1], padRow * dim, false);
    zeroRow.dispose();
    return [dw];
  }, [ids]);
}
