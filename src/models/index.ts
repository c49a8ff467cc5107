// Models composed from nn: GPT (GPT-2 architecture) with generation, the decoding functions, and the
// Seq2Seq and Transformer translators (re-exports only).
export { GPT, KVCache, resolveGPTConfig } from "./gpt.js";
export type { GPTConfig, GPTActivation, GPTOptions, ResolvedGPTConfig } from "./gpt.js";
export { generate, stream, greedy, sample, softmaxProbs, applyTemperature, topK, topP, minP, applyRepetitionPenalty } from "./generation.js";
export type { GenerateOptions, CausalLM } from "./generation.js";
export { gptConfigFromHuggingFace, gptConfigToHuggingFace, gptFromHuggingFace, gptToHuggingFace, loadGPT2 } from "./gpt2-weights.js";
export type { HuggingFaceGPT2Config } from "./gpt2-weights.js";
export { Seq2Seq, AdditiveAttention } from "./seq2seq.js";
export type { Seq2SeqConfig, Seq2SeqCell, Seq2SeqState, Seq2SeqMemory, BeamSearchOptions } from "./seq2seq.js";
export type { DecodeOptions } from "./token-ids.js";
export { TransformerTranslator } from "./translator.js";
export type { TransformerTranslatorConfig } from "./translator.js";
export { EncoderModel, EncoderForSequenceClassification, EncoderForMaskedLM, loadEncoder, resolveEncoderConfig, encoderConfigToJson, encoderConfigFromJson } from "./encoder.js";
export type { EncoderConfig, ResolvedEncoderConfig, EncoderInput, EncoderInputLike, EncoderOptions, EncoderConfigJson } from "./encoder.js";
