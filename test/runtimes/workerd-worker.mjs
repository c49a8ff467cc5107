// A Cloudflare Worker that uses tessera the workerd way: the .wasm imported as a module and
// passed to init(). Run by `workerd test` (see workerd.test.ts), which calls test().
import { init, info, tensor, F } from "./dist/manual.js";
import wasm from "./build/simd.wasm";

export default {
  async test() {
    await init({ module: wasm });
    const x = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    const loss = F.crossEntropy(x.matmul(x), tensor([0, 1], undefined, { dtype: "int32" }));
    loss.backward();
    const g = Array.from(x.grad.data());
    if (info().build !== "simd" || !Number.isFinite(loss.item()) || g.some((v) => !Number.isFinite(v))) {
      throw new Error(`unexpected result: ${JSON.stringify({ info: info(), loss: loss.item(), g })}`);
    }
    console.log(`tessera on workerd: loss ${loss.item().toFixed(5)}`);
  },
};
