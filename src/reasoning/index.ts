// Symbolic reasoning: a forward-chaining rule engine (facts + IF–THEN rules → derived facts, with the
// chain of rules that fired and why), as in the notes' expert-system example. Re-exports only.
export { RuleEngine, Inference } from "./engine.js";
export type { RuleEngineOptions, Firing, Contradiction, Proof, Support } from "./engine.js";
export type { Literal, RuleSpec } from "./rules.js";
