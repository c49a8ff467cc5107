"""The PyTorch side of bench/gpt.bench.mjs: the same GPT-2-style model (nanoGPT's layout: token and
position embeddings, pre-norm blocks with a fused c_attn, GELU tanh MLP, ln_f, head tied to wte) and
the same training step (cross-entropy, backward, AdamW, zero_grad) timed on random token batches.
Attention is the explicit softmax(QKᵀ/√d + causal mask)·V — torch 1.13 has no fused CPU attention.

Usage: /usr/bin/python3 bench/gpt_torch.py <threads> <steps> [nLayer nHead nEmbd blockSize batch vocab]
Prints one JSON line: {"threads", "wall_ms": [per step, sorted], "cpu_ms": [...], "tokens", "params"}.
"""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import time_steps

threads, steps = int(sys.argv[1]), int(sys.argv[2])
L, H, C, T, B, V = (int(v) for v in (sys.argv[3:9] if len(sys.argv) >= 9 else (4, 4, 128, 128, 16, 2048)))
torch.set_num_threads(threads)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.c_attn, self.c_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
        self.register_buffer("mask", torch.triu(torch.full((T, T), float("-inf")), diagonal=1))

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        heads = lambda z: z.view(b, t, H, C // H).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // H)) + self.mask[:t, :t]
        y = (att.softmax(dim=-1) @ v).transpose(1, 2).contiguous().view(b, t, C)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.h = nn.ModuleList(Block() for _ in range(L))
        self.ln_f = nn.LayerNorm(C)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for blk in self.h:
            x = blk(x)
        logits = self.ln_f(x) @ self.wte.weight.T
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))


model = GPT()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
x = torch.randint(0, V, (B, T))
y = torch.randint(0, V, (B, T))


def step():
    loss = model(x, y)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)


wall, cpu = time_steps(step, steps)
print(json.dumps({"threads": threads, "wall_ms": wall, "cpu_ms": cpu, "tokens": B * T,
                  "params": sum(p.numel() for p in model.parameters())}))
