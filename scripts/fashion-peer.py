#!/usr/bin/env python3
"""PyTorch's side of samples/05-train-cnn.cnns on Fashion-MNIST: the same LeNet-5, Adam (lr 1e-3),
batch 64, 5 epochs, inputs normalised with mean 0.2860 and std 0.3530; prints the training time and
the test accuracy, for README's comparison. Reads the IDX files Debian's dataset-fashion-mnist installs.

usage: scripts/fashion-peer.py [--threads N] [--epochs N] [--dir DIR]"""
import argparse, gzip, os, sys, time

import numpy as np


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    args = ap.parse_args()
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_models

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    load = lambda name: idx(os.path.join(args.dir, name))
    norm = lambda x: (torch.from_numpy(x.astype(np.float32) / 255).unsqueeze(1) - 0.2860) / 0.3530
    xtr, ytr = norm(load("train-images-idx3-ubyte.gz")), torch.from_numpy(load("train-labels-idx1-ubyte.gz").astype(np.int64))
    xte, yte = norm(load("t10k-images-idx3-ubyte.gz")), torch.from_numpy(load("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    model = torch_models.lenet5()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            idxs = order[i:i + 64]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(xtr[idxs]), ytr[idxs]).backward()
            opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        accuracy = (model(xte).argmax(1) == yte).float().mean().item()
    print(f"PyTorch {torch.__version__}, {args.threads} threads: {args.epochs} epochs in {seconds:.1f} s "
          f"({args.epochs * len(xtr) / seconds:.0f} img/s), test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
