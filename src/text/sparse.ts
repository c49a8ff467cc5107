// A compressed sparse row (CSR) matrix, scipy.sparse.csr_matrix's layout: the entries of row i are
// indices/data[indptr[i] .. indptr[i+1]), column indices ascending within a row. What the
// vectorizers return; toDense() gives the row-major float64 matrix.
import { checkInt } from "../errors.js";

export class CsrMatrix {
  /**
   * @param shape [rows, cols]
   * @param indptr rows + 1 offsets into indices/data
   * @param indices column of each stored entry, ascending within a row
   * @param data value of each stored entry
   */
  constructor(
    readonly shape: readonly [number, number],
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly data: Float64Array,
  ) {}

  /** Number of stored entries. */
  get nnz(): number {
    return this.data.length;
  }

  /** The matrix as a row-major Float64Array of rows × cols. */
  toDense(): Float64Array {
    const [rows, cols] = this.shape;
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let p = this.indptr[i]; p < this.indptr[i + 1]; p++) out[i * cols + this.indices[p]] = this.data[p];
    }
    return out;
  }

  /** Row i as a dense Float64Array of cols values. */
  row(i: number): Float64Array {
    const [rows, cols] = this.shape;
    checkInt("CsrMatrix.row: i", i, 0, rows - 1);
    const out = new Float64Array(cols);
    for (let p = this.indptr[i]; p < this.indptr[i + 1]; p++) out[this.indices[p]] = this.data[p];
    return out;
  }

  /** The rows as nested arrays (small matrices, printing, tests). */
  toArray(): number[][] {
    const [rows, cols] = this.shape;
    const d = this.toDense();
    return Array.from({ length: rows }, (_, i) => Array.from(d.subarray(i * cols, (i + 1) * cols)));
  }
}
