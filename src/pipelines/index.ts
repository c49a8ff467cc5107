// Hugging Face-style pipelines over tessera models (re-exports only).
export { pipeline } from "./pipeline.js";
export type {
  PipelineTask, PipelineOptions, TokenizerForPipeline, PipelineParts, TextGenerationOptions, GeneratedText, TextClassificationOptions, LabelScore,
  FillMaskOptions, FillMaskCandidate, TextGenerationPipeline, TextClassificationPipeline, FeatureExtractionPipeline, FillMaskPipeline,
} from "./pipeline.js";
