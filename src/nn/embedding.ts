// nn.Embedding: a lookup table [numEmbeddings, embeddingDim] initialised N(0, 1) like torch; the
// paddingIdx row starts at zero and never receives a gradient.
import { checkInt } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { empty, tensor } from "../tensor/creation.js";
import { embedding } from "../tensor/embedding.js";
import { defaultGenerator } from "../tensor/random.js";
import { Module } from "./module.js";
import { initEnabled } from "./init.js";

export interface EmbeddingOptions {
  paddingIdx?: number | null;
  device?: string;
}

export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkInt("Embedding: numEmbeddings", numEmbeddings, 1);
    checkInt("Embedding: embeddingDim", embeddingDim, 0);
    const p = options.paddingIdx ?? null;
    this.paddingIdx = p === null ? null : checkInt("Embedding: options.paddingIdx", p, -numEmbeddings, numEmbeddings - 1);
    if (this.paddingIdx !== null && this.paddingIdx < 0) this.paddingIdx += numEmbeddings;
    if (!initEnabled()) { // inside skipInit: values come from a checkpoint
      this.weight = this.addParameter("weight", empty([numEmbeddings, embeddingDim], { device: options.device }));
      return;
    }
    const values = new Float32Array(numEmbeddings * embeddingDim);
    for (let i = 0; i < values.length; i++) values[i] = defaultGenerator.normal();
    if (this.paddingIdx !== null) values.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = this.addParameter("weight", tensor(values, [numEmbeddings, embeddingDim], { device: options.device }));
  }

  /** Ids (int32, any shape) → [...ids.shape, embeddingDim]. */
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids, this.paddingIdx);
  }

  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ""}`;
  }
}
