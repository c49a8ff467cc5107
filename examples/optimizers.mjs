// The notes' optimizers (seeds/003: gradient descent, momentum, AdaGrad, RMSProp, Adam) side by side
// on the notes' toy problem y = w·x + b, x = 1.5, target 0.8, L = ½(y − 0.8)², from w = 0.8, b = 0.2
// (the notes print y = 1.4, L = 0.18). The notes give no learning rates; these use ε = 0.1 (RMSProp
// ε = 0.01, ρ = 0.9). test/optim/notes.test.ts checks the same runs against the notes' rules and torch.
import { tensor, tidy, optim } from "tessera-ml";

const X = 1.5, TARGET = 0.8, STEPS = 20;
const runs = {
  GD: (p) => new optim.SGD(p, { lr: 0.1 }),
  Momentum: (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }),
  AdaGrad: (p) => new optim.Adagrad(p, { lr: 0.1, eps: 1e-7 }),
  RMSProp: (p) => new optim.RMSprop(p, { lr: 0.01, alpha: 0.9, eps: 1e-6 }),
  Adam: (p) => new optim.Adam(p, { lr: 0.1 }),
};

const table = {};
for (const [name, make] of Object.entries(runs)) {
  const w = tensor(0.8, undefined, { requiresGrad: true });
  const b = tensor(0.2, undefined, { requiresGrad: true });
  const opt = make([w, b]);
  const rows = [];
  for (let step = 0; step <= STEPS; step++) {
    opt.zeroGrad();
    const loss = tidy(() => {
      const l = w.mul(X).add(b).sub(TARGET).square().mul(0.5);
      l.backward();
      return l.item();
    });
    rows.push({ loss, w: w.item(), b: b.item() });
    if (step < STEPS) opt.step();
  }
  table[name] = rows;
  opt.dispose();
  w.dispose();
  b.dispose();
}

const names = Object.keys(table);
const pad = (s, n) => String(s).padStart(n);
console.log("loss L = ½(1.5·w + b − 0.8)² after each step (step 0: the notes' 0.18)\n");
console.log(`step ${names.map((n) => pad(n, 12)).join("")}`);
for (let k = 0; k <= STEPS; k++) console.log(`${pad(k, 4)} ${names.map((n) => pad(table[n][k].loss.toExponential(3), 12)).join("")}`);
console.log("\n(w, b) after each step\n");
console.log(`step ${names.map((n) => pad(n, 18)).join("")}`);
for (let k = 0; k <= STEPS; k++) {
  console.log(`${pad(k, 4)} ${names.map((n) => pad(`${table[n][k].w.toFixed(4)}, ${table[n][k].b.toFixed(4)}`, 18)).join("")}`);
}
