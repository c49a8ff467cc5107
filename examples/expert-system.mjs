// Worked example of the notes (seeds/002, the animal-identification expert system; SPEC §4 item 17):
// the notes' ten IF–THEN rules, facts added by the user, forward chaining until nothing new follows,
// and an explanation of which rules fired, in which order, and why. The notes run it on
// 有毛发 + 有蹄 + 黑条纹; their code concludes 斑马 (zebra) — their printed sample output shows a
// 老虎 (tiger) line that those facts cannot produce — so the tiger is shown from facts that give it.
// Then negation (a fact known to be false) and a contradiction.
import { reasoning } from "tessera-ml";

// 知识库: the notes' rules, in their order (names added for the trace)
const rules = [
  { name: "R1", if: ["有毛发"], then: "哺乳动物" },
  { name: "R2", if: ["有乳"], then: "哺乳动物" },
  { name: "R3", if: ["吃肉"], then: "食肉动物" },
  { name: "R4", if: ["有犬齿", "有爪", "眼向前方"], then: "食肉动物" },
  { name: "R5", if: ["哺乳动物", "有蹄"], then: "有蹄类" },
  { name: "R6", if: ["哺乳动物", "反刍"], then: "有蹄类" },
  { name: "R7", if: ["哺乳动物", "食肉动物", "黄褐色", "暗斑点"], then: "豹子" },
  { name: "R8", if: ["哺乳动物", "食肉动物", "黄褐色", "黑条纹"], then: "老虎" },
  { name: "R9", if: ["有蹄类", "长脖子", "长腿", "暗斑点"], then: "长颈鹿" },
  { name: "R10", if: ["有蹄类", "黑条纹"], then: "斑马" },
];
const ANIMALS = ["豹子", "老虎", "长颈鹿", "斑马"];
const features = ["有毛发", "有乳", "吃肉", "有犬齿", "有爪", "眼向前方", "有蹄", "反刍", "黄褐色", "暗斑点", "黑条纹", "长脖子", "长腿"];
// A declared vocabulary turns a misspelt fact in a rule or an input into an error instead of a rule that never fires.
const expert = new reasoning.RuleEngine(rules, { vocabulary: [...features, "哺乳动物", "食肉动物", "有蹄类", ...ANIMALS] });

function identify(facts) {
  for (const f of facts) console.log(`✅ 已添加特征: ${f}`);
  const result = expert.infer(facts);
  for (const f of result.fired) console.log(`🔍 推理 (${f.rule}, pass ${f.pass}): ${f.because.map((b) => b.fact).join(", ")} → ${f.concluded.join(", ")}`);
  const animals = result.facts.filter((f) => ANIMALS.includes(f));
  console.log(`🎯 识别结果: ${animals.length ? JSON.stringify(animals) : "无法识别该动物"}`);
  for (const a of animals) console.log(`\nwhy ${a}?\n${result.explain(a)}`);
  return result;
}

console.log("== the notes' input ==");
identify(["有毛发", "有蹄", "黑条纹"]);

console.log("\n== a tiger ==");
identify(["有毛发", "吃肉", "黄褐色", "黑条纹"]);

console.log("\n== nothing to conclude ==");
identify(["有乳", "长腿"]);

// Negation: { not: fact } is a fact known to be false. A rule deriving the opposite of what is known
// does not overwrite it: the engine reports the contradiction.
console.log("\n== negation and a contradiction ==");
const birds = new reasoning.RuleEngine([
  { name: "B1", if: ["有羽毛"], then: "鸟" },
  { name: "B2", if: ["鸟", { not: "企鹅" }], then: "会飞" },
  { name: "B3", if: ["企鹅"], then: { not: "会飞" } },
  { name: "B4", if: ["鸟", "会游泳", "黑白色"], then: "企鹅" },
  { name: "B5", if: ["鸟", "会游泳"], then: "会飞" }, // a careless rule: swimming birds fly
]);
for (const facts of [["有羽毛", { not: "企鹅" }], ["有羽毛", "会游泳", "黑白色"]]) {
  const r = birds.infer(facts);
  console.log(`facts: ${facts.map((f) => (typeof f === "string" ? f : `not ${f.not}`)).join(", ")}`);
  console.log(r.explain().replace(/^/gm, "  "));
}
