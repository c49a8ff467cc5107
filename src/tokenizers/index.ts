// Tokenizers: BPE (byte-level and character-level) training and encoding, WordPiece, the tiktoken
// and Hugging Face tokenizer.json formats, batches with padding. Re-exports only.
export { BPETokenizer } from "./bpe-tokenizer.js";
export type { BPEConfig, EncodeOptions, Encoding } from "./bpe-tokenizer.js";
export type { TrainOptions } from "./bpe-train.js";
export { fromTiktoken, parseTiktokenRanks, serializeTiktokenRanks } from "./tiktoken-format.js";
export type { TiktokenOptions } from "./tiktoken-format.js";
export { PATTERNS, PreTokenizer, compilePattern } from "./pre-tokenizers.js";
export type { PatternName, PatternSpec, NormalizeOptions, PreTokenizerStep } from "./pre-tokenizers.js";
export { byteLevelAlphabet, bytesToByteLevel, byteLevelToBytes } from "./byte-level.js";
export { parseTemplate } from "./batch.js";
export type { BatchEncoding, BatchOptions, Template, TextInput } from "./batch.js";
export type { SpecialOptions, SpecialSet } from "./special-tokens.js";
export { WordPieceTokenizer } from "./wordpiece.js";
export type { WordPieceConfig, BertNormalizerOptions } from "./wordpiece.js";
export { loadTokenizerJson } from "./tokenizer-json.js";
export { saveTokenizerJson, toTokenizerJson } from "./tokenizer-json-save.js";
export type { SplitBehavior, SplitRule } from "./split.js";
export { MAX_TOKEN_ID } from "./vocab.js";
export { PipelineTokenizer } from "./pipeline.js";
export type { AddedToken, PipelineParts } from "./pipeline.js";
export { UnigramModel } from "./unigram.js";
export type { TokenModel } from "./unigram.js";
export { BPEModel, WordLevelModel } from "./bpe-model.js";
export type { BPEModelConfig } from "./bpe-model.js";
export type { UnigramTrainOptions } from "./unigram-train.js";
