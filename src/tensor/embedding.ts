// Embedding lookup: rows of weight [numEmbeddings, dim] picked by int32 ids of any shape
// (torch.nn.functional.embedding); the gradient scatter-adds into the picked rows.
import { TesseraError } from "../errors.js";
import { gather } from "./layout.js";
import { checkTensor } from "./check.js";
import { fmt } from "./shape.js";
import type { Tensor } from "./tensor.js";

export function embedding(weight: Tensor, ids: Tensor): Tensor {
  checkTensor("embedding: weight", weight);
  if (weight.ndim !== 2) throw new TesseraError("E_SHAPE", `embedding: weight: expected [numEmbeddings, dim], received ${fmt(weight.shape)}`);
  return gather(weight, ids, 0);
}
