// Checkpoints during fit: the model's state dict as safetensors (PyTorch keys, metadata format
// "pt", so transformers / safetensors.torch.load_file read it) and, when the optimizer has a
// stateDict(), its state as a second safetensors file (io.saveState layout). Handed to a callback,
// or written to a path — through node:fs, imported only then, so browsers never load it.
import { TesseraError, checkInt, fail } from "../errors.js";
import type { Module } from "../nn/module.js";
import { tidy } from "../tensor/scope.js";
import { saveSafetensors } from "../io/safetensors.js";
import { saveState, type StateValue } from "../io/state.js";
import { writeFileAtomic } from "../io/file.js";

export interface CheckpointFiles {
  /** The model's state dict as safetensors bytes. */
  model: Uint8Array;
  /** The optimizer's state as safetensors bytes (io.loadState reads it), or null when it has no stateDict(). */
  optimizer: Uint8Array | null;
}

export interface CheckpointInfo {
  epoch: number;
  /** Optimizer steps so far. */
  step: number;
}

export interface CheckpointOptions {
  /** File for the model ("{epoch}" is replaced by the epoch); the optimizer goes next to it as *.optimizer.safetensors. */
  path?: string;
  /** Or a callback that receives the bytes (browsers, custom storage). */
  save?: (files: CheckpointFiles, info: CheckpointInfo) => void | Promise<void>;
  /** Save every this many epochs (default 1); the last epoch is always saved. */
  every?: number;
}

export interface ResolvedCheckpoint {
  path: string | null;
  save: ((files: CheckpointFiles, info: CheckpointInfo) => void | Promise<void>) | null;
  every: number;
}

export function resolveCheckpoint(c: unknown): ResolvedCheckpoint | null {
  if (c === undefined) return null;
  if (c === null || typeof c !== "object") fail("E_TYPE", "fit: options.checkpoint", "an object with path or save", c);
  const { path, save, every = 1 } = c as CheckpointOptions;
  if ((path === undefined) === (save === undefined)) fail("E_VALUE", "fit: options.checkpoint", "exactly one of path and save", c);
  if (path !== undefined && (typeof path !== "string" || path === "")) fail("E_TYPE", "fit: options.checkpoint.path", "a non-empty file path", path);
  if (save !== undefined && typeof save !== "function") fail("E_TYPE", "fit: options.checkpoint.save", "a function", save);
  checkInt("fit: options.checkpoint.every", every, 1);
  return { path: path ?? null, save: save ?? null, every };
}

export function checkpointPaths(template: string, epoch: number): { model: string; optimizer: string } {
  const model = template.replaceAll("{epoch}", String(epoch));
  return { model, optimizer: `${model.replace(/\.safetensors$/, "")}.optimizer.safetensors` };
}

export async function writeCheckpoint(c: ResolvedCheckpoint, model: Module, optimizer: { stateDict?: () => unknown }, info: CheckpointInfo): Promise<void> {
  const meta = { format: "pt", epoch: String(info.epoch), step: String(info.step) };
  // tidy: the state-dict views (and any tensors a stateDict() makes) are freed once written
  const optimizerState = typeof optimizer.stateDict === "function" ? () => optimizer.stateDict!() as StateValue : null;
  const files: CheckpointFiles = tidy(() => ({
    model: saveSafetensors(model.stateDict(), meta),
    optimizer: optimizerState === null ? null : saveState(optimizerState(), { epoch: meta.epoch, step: meta.step }),
  }));
  if (c.save) {
    await c.save(files, info);
    return;
  }
  const paths = checkpointPaths(c.path!, info.epoch);
  try {
    await writeFileAtomic("fit: checkpoint", paths.model, files.model);
    if (files.optimizer !== null) await writeFileAtomic("fit: checkpoint", paths.optimizer, files.optimizer);
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new TesseraError("E_STATE", `fit: checkpoint: could not write ${paths.model} (${(e as Error)?.message ?? String(e)})`);
  }
}
