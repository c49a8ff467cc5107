// The playground: tokens of cl100k / o200k / a BPE trained here, colour-coded with their ids, and a
// character model trained live (loss chart) and sampled. Uses the package as a page imports it
// (the import map maps "tessera-ml" to dist/index.js, which loads the .wasm beside it).
import * as t from "tessera-ml";

const $ = (id) => document.getElementById(id);
const info = t.info();
$("info").textContent = `build ${info.build} · ${info.threadsInUse} thread(s)${info.threadsReason ? ` (${info.threadsReason})` : ""}`;

// --- tokenizers -------------------------------------------------------------------------------
const corpus = await (await fetch("/corpus/genesis-1-3.txt")).text();
const tokenizers = { trained: t.BPETokenizer.train([corpus], { vocabSize: 512 }) };
const loading = Promise.all([["cl100k", "cl100k_base"], ["o200k", "o200k_base"]].map(async ([key, file]) => {
  const r = await fetch(`/ranks/${file}.tiktoken`);
  if (!r.ok) {
    $(`count-${key}`).textContent = `(rank file not served: ${r.status})`;
    return;
  }
  tokenizers[key] = t.fromTiktoken(await r.text(), { pattern: key });
}));

function colour(id) {
  const h = (Math.imul(id + 1, 2654435761) >>> 0) % 360;
  return `hsl(${h} 70% 82%)`;
}

function showTokens() {
  const text = $("text").value;
  for (const [key, tok] of Object.entries(tokenizers)) {
    const ids = tok.encode(text);
    const out = $(`tok-${key}`);
    out.replaceChildren(...ids.map((id) => {
      const s = document.createElement("span");
      s.textContent = new TextDecoder().decode(tok.decodeBytes([id])).replace(/\n/g, "↵\n") || "·";
      s.title = `id ${id}`;
      s.dataset.id = String(id);
      s.style.background = colour(id);
      return s;
    }));
    $(`count-${key}`).textContent = `${ids.length} tokens · ${text.length} characters`;
  }
}
$("text").addEventListener("input", showTokens);
showTokens();
loading.then(showTokens);

// --- character model ---------------------------------------------------------------------------
const CONTEXT = 4, EMBED = 16, HIDDEN = 128, BATCH = 64;
const chars = [...new Set(corpus)].sort();
const index = new Map(chars.map((c, i) => [c, i]));
const ids = Int32Array.from(corpus, (c) => index.get(c));
let model = null;

function makeModel() {
  t.manualSeed(0);
  const embed = new t.nn.Embedding(chars.length, EMBED);
  const hidden = new t.nn.Linear(CONTEXT * EMBED, HIDDEN);
  const out = new t.nn.Linear(HIDDEN, chars.length);
  const forward = (x) => out.forward(hidden.forward(embed.forward(x).reshape(x.shape[0], CONTEXT * EMBED)).tanh());
  return { forward, parameters: () => [...embed.parameters(), ...hidden.parameters(), ...out.parameters()] };
}

function batch(rand) {
  const x = new Int32Array(BATCH * CONTEXT), y = new Int32Array(BATCH);
  for (let b = 0; b < BATCH; b++) {
    const at = Math.floor(rand() * (ids.length - CONTEXT));
    x.set(ids.subarray(at, at + CONTEXT), b * CONTEXT);
    y[b] = ids[at + CONTEXT];
  }
  return [t.tensor(x, [BATCH, CONTEXT], { dtype: "int32" }), t.tensor(y, [BATCH], { dtype: "int32" })];
}

function drawChart(losses, total) {
  const c = $("chart"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const pad = 30, max = Math.max(...losses), min = 0;
  g.strokeStyle = "#999"; g.fillStyle = "#555"; g.font = "11px sans-serif";
  g.beginPath(); g.moveTo(pad, 5); g.lineTo(pad, c.height - pad); g.lineTo(c.width - 5, c.height - pad); g.stroke();
  g.fillText(max.toFixed(2), 2, 12); g.fillText("0", 18, c.height - pad); g.fillText(`step ${losses.length}/${total}`, c.width - 90, c.height - 10);
  g.strokeStyle = "#d33"; g.lineWidth = 2; g.beginPath();
  losses.forEach((l, i) => {
    const x = pad + (i / Math.max(1, total - 1)) * (c.width - pad - 5);
    const y = 5 + (1 - (l - min) / (max - min || 1)) * (c.height - pad - 5);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
}

async function train() {
  const steps = Math.max(1, Math.min(5000, Number($("steps").value) || 300));
  $("train-button").disabled = true; $("sample-button").disabled = true;
  model = makeModel();
  const opt = new t.optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
  let s = 1;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const losses = [];
  for (let step = 0; step < steps; step++) {
    losses.push(t.tidy(() => {
      const [x, y] = batch(rand);
      const loss = t.F.crossEntropy(model.forward(x), y);
      loss.backward();
      return loss.item();
    }));
    opt.step(); opt.zeroGrad();
    if (step % 10 === 9 || step === steps - 1) {
      drawChart(losses, steps);
      $("train-status").textContent = `step ${step + 1}: loss ${losses.at(-1).toFixed(3)}`;
      await new Promise((r) => requestAnimationFrame(r)); // let the page paint
    }
  }
  $("train-button").disabled = false; $("sample-button").disabled = false;
  document.body.dataset.trained = JSON.stringify({ steps, first: losses[0], last: losses.at(-1) });
}

function sample(n = 300) {
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const ctx = Array.from(ids.subarray(0, CONTEXT));
  let out = chars.length ? ctx.map((i) => chars[i]).join("") : "";
  t.noGrad(() => {
    for (let i = 0; i < n; i++) {
      const p = t.tidy(() => model.forward(t.tensor(ctx, [1, CONTEXT], { dtype: "int32" })).softmax(-1).data());
      let r = rand(), next = 0;
      while (next < p.length - 1 && (r -= p[next]) > 0) next++;
      out += chars[next];
      ctx.shift(); ctx.push(next);
    }
  });
  $("sample").textContent = out;
}

$("train-button").addEventListener("click", () => void train());
$("sample-button").addEventListener("click", () => sample());
document.body.dataset.ready = "1";
