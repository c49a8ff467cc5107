// Models composed from nn: GPT (GPT-2 architecture) with generation, and the decoding functions
// (re-exports only).
export { GPT, KVCache, resolveGPTConfig } from "./gpt.js";
export type { GPTConfig, GPTActivation, GPTOptions, ResolvedGPTConfig } from "./gpt.js";
export { generate, stream, greedy, sample, softmaxProbs, applyTemperature, topK, topP, minP, applyRepetitionPenalty } from "./generation.js";
export type { GenerateOptions, CausalLM } from "./generation.js";
export { gptConfigFromHuggingFace, gptConfigToHuggingFace, gptFromHuggingFace, gptToHuggingFace, loadGPT2 } from "./gpt2-weights.js";
export type { HuggingFaceGPT2Config } from "./gpt2-weights.js";
export { EncoderModel, EncoderForSequenceClassification, EncoderForMaskedLM, loadEncoder, resolveEncoderConfig, encoderConfigToJson, encoderConfigFromJson } from "./encoder.js";
export type { EncoderConfig, ResolvedEncoderConfig, EncoderInput, EncoderInputLike, EncoderOptions, EncoderConfigJson } from "./encoder.js";
