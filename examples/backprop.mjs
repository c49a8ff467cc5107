// Worked example 10 of the notes (seeds/003): backpropagation by hand for y = w·x + b with the loss
// ½(y − t)², checked against autograd, then a few gradient-descent steps.
import { tensor } from "tessera-ml";

const x = tensor(1.5);
const w = tensor(0.8, undefined, { requiresGrad: true });
const b = tensor(0.2, undefined, { requiresGrad: true });
const target = 0.8;

const y = w.mul(x).add(b);
const loss = y.sub(target).square().mul(0.5);
loss.backward();
console.log(`forward: y = ${y.item().toFixed(4)}, loss = ${loss.item().toFixed(4)}   (notes: 1.4, 0.18)`);
console.log(`by hand: dL/dw = (y − t)·x = ${((1.4 - 0.8) * 1.5).toFixed(4)}, dL/db = y − t = ${(1.4 - 0.8).toFixed(4)}`);
console.log(`autograd: dL/dw = ${w.grad.item().toFixed(4)}, dL/db = ${b.grad.item().toFixed(4)}`);

let wv = w.detach(), bv = b.detach();
for (let step = 1; step <= 5; step++) {
  const wi = wv.clone().requiresGrad_(), bi = bv.clone().requiresGrad_();
  const l = wi.mul(x).add(bi).sub(target).square().mul(0.5);
  l.backward();
  wv = wi.detach().sub(wi.grad.mul(0.1));
  bv = bi.detach().sub(bi.grad.mul(0.1));
  console.log(`step ${step}: loss ${l.item().toFixed(5)} → w ${wv.item().toFixed(4)}, b ${bv.item().toFixed(4)}`);
}
