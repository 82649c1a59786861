#!/usr/bin/env python3
"""The paper's CNN-LSTM in PyTorch 1.13 (Debian's python3-torch), timed the way `ser bench train` times ours:
forward + cross-entropy + backward + SGD(momentum 0.8, wd 1e-3) steps at batch 32 on random input after warm-up,
and batch-1 inference of one 3 s window. Side-by-side reference only; the app never runs it.

    MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824 \
      /usr/bin/python3 bench/reference/pytorch_model.py --threads 2 --steps 5

Prints one JSON line per measurement: {"name","threads","msPerSample"|"msMedian",...}.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


class Block(nn.Sequential):
    def __init__(self, cin, cout, pool):
        super().__init__(nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(pool, pool), nn.Dropout(0.4))


class PaperModel(nn.Module):
    """7 chunks × 1 × 128 × 128 → time-distributed 4 conv blocks → LSTM(64) → dropout 0.3 → 8 classes."""

    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(Block(1, 16, 2), Block(16, 32, 4), Block(32, 64, 4), Block(64, 128, 4))
        self.lstm = nn.LSTM(128, 64, batch_first=True)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(64, 8)

    def forward(self, x):  # x: [B, 7, 1, 128, 128]
        b, t = x.shape[:2]
        f = self.cnn(x.reshape(b * t, *x.shape[2:])).reshape(b, t, -1)
        h, _ = self.lstm(f)
        return self.out(self.drop(h[:, -1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--infer-runs", type=int, default=20)
    a = ap.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(a.threads)
    model = PaperModel()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.8, weight_decay=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(a.batch, 7, 1, 128, 128)
    y = torch.arange(a.batch) % 8
    model.train()
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print(json.dumps({"name": "pytorch/train", "threads": a.threads, "batchSize": a.batch, "params": params, "msPerSample": round(med / a.batch, 2), "msPerStepMedian": round(med, 1), "stepsMs": [round(t) for t in times], "torch": torch.__version__}))
    # Inference: one window, single thread (the live path).
    torch.set_num_threads(1)
    model.eval()
    x1 = torch.randn(1, 7, 1, 128, 128)
    times = []
    with torch.no_grad():
        for i in range(3 + a.infer_runs):
            t0 = time.perf_counter()
            model(x1)
            if i >= 3:
                times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"name": "pytorch/infer/batch1", "threads": 1, "msMedian": round(statistics.median(times), 2), "runs": a.infer_runs}))


if __name__ == "__main__":
    main()
