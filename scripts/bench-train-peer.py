#!/usr/bin/env python3
"""PyTorch's time for SPEC §6's TRAIN case: one LeNet-5 training step, batch 64, 1×28×28 —
zero_grad, forward, cross-entropy, backward, SGD (momentum 0.9) step — the step `cnns bench`
times as TRAIN (Sources/cnns/BenchTrain.swift).

usage: bench-train-peer.py [--threads N] [--steps N]
prints one JSON line: {"ms": median ms per step, "ips": images per second, "threads": N}
"""
import argparse
import json
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=50)
    args = ap.parse_args()
    try:
        import torch
        from torch import nn
    except ImportError:
        print(json.dumps({"error": "torch is not installed"}))
        return 1

    torch.set_num_threads(max(1, args.threads))
    torch.manual_seed(42)
    batch = 64
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(max(1, args.steps)):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    ms = statistics.median(times)
    print(json.dumps({"ms": round(ms, 4), "ips": round(batch / ms * 1000, 1), "threads": args.threads}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
