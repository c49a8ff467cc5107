// Matrices handed to the embeddings API as rows of a given width: a flat Float32Array / number[]
// (several rows back to back), an array of rows, or a float32 Tensor [n, dim] / [dim]. Checked once
// here so every caller reports the same E_SHAPE / E_TYPE / E_VALUE.
import { TesseraError, describe } from "../errors.js";
import { isTensor } from "../tensor/tensor.js";

export type RowsInput = Float32Array | Float64Array | readonly number[] | readonly (readonly number[] | Float32Array)[] | { shape: readonly number[]; data(): Float32Array | Int32Array };

/** The rows as one flat float32 array of n·dim values; every value must be finite. */
export function toRows(x: unknown, dim: number, arg: string): { data: Float32Array; n: number } {
  let data: Float32Array;
  if (isTensor(x)) {
    if (x.dtype !== "float32") throw new TesseraError("E_DTYPE", `${arg}: expected a float32 tensor, received ${x.dtype}`);
    const shape = x.shape;
    if (!(shape.length === 1 || shape.length === 2) || shape[shape.length - 1] !== dim) {
      throw new TesseraError("E_SHAPE", `${arg}: expected a tensor of shape [n, ${dim}] or [${dim}], received [${shape.join(", ")}]`);
    }
    data = x.data() as Float32Array;
  } else if (x instanceof Float32Array || x instanceof Float64Array) {
    data = x instanceof Float32Array ? x : Float32Array.from(x);
  } else if (Array.isArray(x)) {
    if (x.length > 0 && (Array.isArray(x[0]) || ArrayBuffer.isView(x[0]))) {
      data = new Float32Array(x.length * dim);
      for (let i = 0; i < x.length; i++) {
        const row = x[i] as ArrayLike<number>;
        if (!(Array.isArray(row) || row instanceof Float32Array || row instanceof Float64Array)) {
          throw new TesseraError("E_TYPE", `${arg}[${i}]: expected a row of ${dim} numbers, received ${describe(row)}`);
        }
        if (row.length !== dim) throw new TesseraError("E_SHAPE", `${arg}[${i}]: expected ${dim} values, received ${row.length}`);
        for (let j = 0; j < dim; j++) {
          const v = row[j];
          if (typeof v !== "number") throw new TesseraError("E_TYPE", `${arg}[${i}][${j}]: expected a number, received ${describe(v)}`);
          data[i * dim + j] = v;
        }
      }
    } else {
      data = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        if (typeof v !== "number") throw new TesseraError("E_TYPE", `${arg}[${i}]: expected a number, received ${describe(v)}`);
        data[i] = v;
      }
    }
  } else {
    throw new TesseraError("E_TYPE", `${arg}: expected a Float32Array, an array of numbers or rows, or a float32 tensor, received ${describe(x)}`);
  }
  if (data.length % dim !== 0) {
    throw new TesseraError("E_SHAPE", `${arg}: expected a multiple of ${dim} values (rows of dimension ${dim}), received ${data.length}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new TesseraError("E_VALUE", `${arg}: expected finite values, received ${data[i]} at row ${Math.floor(i / dim)}, column ${i % dim}`);
    }
  }
  return { data, n: data.length / dim };
}
