"""PyTorch baseline for bench/engine.ts: the same per-op loop and the same small conv net, timed the same way.

Run by bench/engine.ts with Debian's /usr/bin/python3 (python3-torch, the same libtorch 1.13 as tsyolo's addon).
Prints one JSON object on stdout with the raw samples (ns per op per round, ms per step).
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def per_op_ns(n: int, rounds: int) -> list:
    """Per round, the mean time of `a.add(b)` on 1-element float32 tensors (result dropped each time)."""
    a = torch.tensor([1.5])
    b = torch.tensor([2.5])
    for _ in range(n // 10):  # warm-up
        a.add(b)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            c = a.add(b)
        times.append((time.perf_counter_ns() - t0) / n)
        del c
    return times


def conv_net(channels: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
        nn.BatchNorm2d(channels),
        nn.SiLU(),
        nn.Conv2d(channels, channels, 3, 1, 1, groups=channels, bias=False),
        nn.BatchNorm2d(channels),
        nn.SiLU(),
    )


def conv_net_ms(batch: int, channels: int, size: int, warmup: int, iters: int) -> list:
    """Times of single training steps' forward + backward (grads cleared each step), after warm-up."""
    model = conv_net(channels).train()
    x = torch.randn(batch, channels, size, size)
    times = []
    for k in range(warmup + iters):
        t0 = time.perf_counter()
        model(x).mean().backward()
        for p in model.parameters():
            p.grad = None
        if k >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--ops', type=int, default=100_000)
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--channels', type=int, default=32)
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--iters', type=int, default=15)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    out = {
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'perOpNs': per_op_ns(args.ops, args.rounds),
        'convNetMs': conv_net_ms(args.batch, args.channels, args.size, args.warmup, args.iters),
        # lists of samples: bench/engine.ts pools them with its own runs and takes medians
    }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
