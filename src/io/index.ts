// Reading and writing tensors: safetensors bytes and files, modules, nested state (re-exports only).
export { loadSafetensors, saveSafetensors, loadSafetensorsInto, readSafetensorsHeader } from "./safetensors.js";
export type { LoadSafetensorsOptions, SafetensorsContents, LoadIntoModuleOptions } from "./safetensors.js";
export type { SafetensorsDtype, SafetensorsEntry } from "./safetensors-header.js";
export { MAX_HEADER_BYTES } from "./safetensors-header.js";
export { saveSafetensorsFile, loadSafetensorsFile } from "./file.js";
export { saveState, loadState } from "./state.js";
export type { StateValue } from "./state.js";
