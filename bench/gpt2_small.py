"""GPT-2-small-shaped decoding for bench/gpt.bench.mjs --generate, with random weights.

  make <dir>   writes <dir>/config.json and <dir>/model.safetensors (Hugging Face GPT-2 names and
               Conv1D layout, for tessera's GPT.fromPretrained) and <dir>/model.onnx (the same weights,
               exported with torch.onnx as a decoder with past keys and values, for onnxruntime-web)
  time <dir> <threads> <context> <tokens>
               PyTorch eager on the same weights: a prefill of <context> tokens, then <tokens> decode
               steps of one token with the KV cache; prints JSON {"prefill_ms", "decode_ms": [per token]}

The model is GPT2LMHeadModel's math in plain torch (transformers is not installed): 12 layers, 12
heads, 768 wide, 1024 positions, vocab 50257, gelu_new, tied head. Weights N(0, 0.02), seed 0.
"""
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn as nn

L, H, C, P, V = 12, 12, 768, 1024, 50257
D = C // H


def make_weights():
    g = torch.Generator().manual_seed(0)
    rnd = lambda *shape: torch.randn(*shape, generator=g) * 0.02
    w = {"wte.weight": rnd(V, C), "wpe.weight": rnd(P, C)}
    for i in range(L):
        p = f"h.{i}."
        w[p + "ln_1.weight"], w[p + "ln_1.bias"] = torch.ones(C), torch.zeros(C)
        w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"] = rnd(C, 3 * C), torch.zeros(3 * C)
        w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"] = rnd(C, C), torch.zeros(C)
        w[p + "ln_2.weight"], w[p + "ln_2.bias"] = torch.ones(C), torch.zeros(C)
        w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"] = rnd(C, 4 * C), torch.zeros(4 * C)
        w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"] = rnd(4 * C, C), torch.zeros(C)
    w["ln_f.weight"], w["ln_f.bias"] = torch.ones(C), torch.zeros(C)
    return w


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2WithPast(nn.Module):
    """input_ids [1, T] with past keys/values [L, 1, H, Tp, D] → logits [1, T, V], presents [L, 1, H, Tp+T, D]."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.ParameterDict({k.replace(".", "_"): nn.Parameter(v, requires_grad=False) for k, v in w.items()})

    def p(self, name):
        return self.w[name.replace(".", "_")]

    def ln(self, x, name):
        return torch.nn.functional.layer_norm(x, (C,), self.p(name + ".weight"), self.p(name + ".bias"), 1e-5)

    def conv1d(self, x, name):
        return x @ self.p(name + ".weight") + self.p(name + ".bias")

    def forward(self, ids, past_k, past_v):
        T, Tp = ids.shape[1], past_k.shape[3]
        pos = torch.arange(T) + Tp
        x = self.p("wte.weight")[ids] + self.p("wpe.weight")[pos]
        qi = (torch.arange(T) + Tp).unsqueeze(1)
        kj = torch.arange(Tp + T).unsqueeze(0)
        allowed = kj <= qi
        keys, values = [], []
        for i in range(L):
            h = self.ln(x, f"h.{i}.ln_1")
            q, k, v = self.conv1d(h, f"h.{i}.attn.c_attn").split(C, dim=2)
            heads = lambda t: t.view(1, T, H, D).transpose(1, 2)
            q = heads(q)
            k = torch.cat([past_k[i], heads(k)], dim=2)
            v = torch.cat([past_v[i], heads(v)], dim=2)
            keys.append(k)
            values.append(v)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(D)
            att = torch.where(allowed, att, torch.tensor(float("-inf"))).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(1, T, C)
            x = x + self.conv1d(y, f"h.{i}.attn.c_proj")
            x = x + self.conv1d(gelu_new(self.conv1d(self.ln(x, f"h.{i}.ln_2"), f"h.{i}.mlp.c_fc")), f"h.{i}.mlp.c_proj")
        logits = self.ln(x, "ln_f") @ self.p("wte.weight").T
        return logits, torch.stack(keys), torch.stack(values)


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)


def make(out):
    os.makedirs(out, exist_ok=True)
    w = make_weights()
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_layer": L, "n_head": H, "n_embd": C,
              "n_positions": P, "n_ctx": P, "vocab_size": V, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f)
    save_safetensors(os.path.join(out, "model.safetensors"), w)
    model = GPT2WithPast(w).eval()
    ids = torch.zeros(1, 4, dtype=torch.long)
    past = torch.zeros(L, 1, H, 3, D)
    torch.onnx.export(model, (ids, past, past), os.path.join(out, "model.onnx"), opset_version=14,
                      input_names=["input_ids", "past_key", "past_value"], output_names=["logits", "present_key", "present_value"],
                      dynamic_axes={"input_ids": {1: "seq"}, "past_key": {3: "past"}, "past_value": {3: "past"},
                                    "logits": {1: "seq"}, "present_key": {3: "total"}, "present_value": {3: "total"}})
    print(json.dumps({"dir": out}))


def timed(out, threads, context, tokens):
    torch.set_num_threads(threads)
    model = GPT2WithPast(make_weights()).eval()
    with torch.no_grad():
        ids = torch.randint(0, V, (1, context), generator=torch.Generator().manual_seed(1))
        empty = torch.zeros(L, 1, H, 0, D)
        t0 = time.perf_counter()
        logits, pk, pv = model(ids, empty, empty)
        prefill = (time.perf_counter() - t0) * 1000
        nxt = logits[0, -1].argmax().view(1, 1)
        decode = []
        for _ in range(tokens):
            t0 = time.perf_counter()
            logits, pk, pv = model(nxt, pk, pv)
            nxt = logits[0, -1].argmax().view(1, 1)
            decode.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"threads": threads, "prefill_ms": prefill, "decode_ms": decode}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        timed(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
