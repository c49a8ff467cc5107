"""The PyTorch side of bench/encoder.bench.mjs: the same BERT-style classifier (token + position
embeddings, LayerNorm, post-norm nn.TransformerEncoder with GELU and batch_first, tanh pooler on the
first token, Linear to 2 labels) and the same work: a fine-tuning step (cross-entropy, backward,
AdamW, zero_grad) or an inference forward (eval, no_grad) on a padded batch with a key-padding mask.

Usage: /usr/bin/python3 bench/encoder_torch.py <threads> <steps> <train|infer> [layers hidden heads ff T batch vocab]
Prints one JSON line: {"threads", "mode", "wall_ms": [per step, sorted], "cpu_ms": [...]}.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import time_steps

threads, steps, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
L, C, H, FF, T, B, V = (int(v) for v in (sys.argv[4:11] if len(sys.argv) >= 11 else (2, 128, 4, 512, 64, 32, 2048)))
torch.set_num_threads(threads)
torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe, self.ln = nn.Embedding(V, C, padding_idx=0), nn.Embedding(T, C), nn.LayerNorm(C, eps=1e-12)
        layer = nn.TransformerEncoderLayer(C, H, FF, dropout=0.1, activation="gelu", batch_first=True, layer_norm_eps=1e-12)
        self.encoder = nn.TransformerEncoder(layer, L, enable_nested_tensor=False)
        self.pooler, self.classifier, self.drop = nn.Linear(C, C), nn.Linear(C, 2), nn.Dropout(0.1)

    def forward(self, ids, pad):
        x = self.drop(self.ln(self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))))
        h = self.encoder(x, src_key_padding_mask=pad)
        return self.classifier(self.drop(torch.tanh(self.pooler(h[:, 0]))))


# the batch of bench/encoder.bench.mjs: row i holds 16 + (37·i mod 49) tokens, the rest padding
lengths = [16 + (37 * i) % 49 for i in range(B)]
ids = torch.tensor([[((i * 7919 + j * 104729) % (V - 1)) + 1 if j < n else 0 for j in range(T)] for i, n in enumerate(lengths)])
pad = ids == 0
labels = torch.tensor([i % 2 for i in range(B)])
model = Classifier()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)


def train_step():
    loss = F.cross_entropy(model(ids, pad), labels)
    loss.backward()
    opt.step()
    opt.zero_grad()


def infer_step():
    with torch.no_grad():
        model(ids, pad)


if mode == "infer":
    model.eval()
wall, cpu = time_steps(train_step if mode == "train" else infer_step, steps)
print(json.dumps({"threads": threads, "mode": mode, "wall_ms": wall, "cpu_ms": cpu}))
