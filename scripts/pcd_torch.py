"""PCD-k epoch of a {0,1}-{0,1} RBM in PyTorch on the CPU: the PyTorch point of issue 7.

The same computation as ../shared/perf/pcd_numpy.py, so that the two and `rbmdyn train` can be
timed side by side: 784 visible, 500 hidden, batch 100, 100 persistent chains, lr 0.01, k = 5,
600 minibatches of binarised MNIST (pixel > 127) in file order, 14 products of 100x784x500 per
minibatch (positive 1, Gibbs 2k, negative hidden means 1, gradient 2). Every tensor op writes
into a preallocated buffer; random numbers from torch's CPU generator.

usage: python scripts/pcd_torch.py [--dtype f32|f64] [--k 5] [--threads 2] [--epochs 1]
       [--mnist PATH to train-images-idx3-ubyte.gz]
Prints seconds per epoch and GFLOP/s (one line per epoch, after a 5-minibatch warm-up).
"""
import argparse
import gzip
import os
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST = os.path.join(HERE, "..", "..", "shared", "data", "mnist", "train-images-idx3-ubyte.gz")


def load_mnist(path, dtype):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    x = torch.frombuffer(bytearray(raw[16:]), dtype=torch.uint8).reshape(-1, 784)
    return (x > 127).to(dtype)


def epoch(x, w, a, b, chains, bufs, lr, k, batch, batches, gen):
    pos, hid, vis, uh, uv, dw, dw2 = bufs
    scale = lr / batch
    for i in range(batches):
        v0 = x[i * batch:(i + 1) * batch]
        torch.addmm(b, v0, w, out=pos)
        torch.sigmoid(pos, out=pos)
        for _ in range(k):
            torch.addmm(b, chains, w, out=hid)
            torch.sigmoid(hid, out=hid)
            uh.uniform_(generator=gen)
            torch.lt(uh, hid, out=hid)
            torch.addmm(a, hid, w.t(), out=vis)
            torch.sigmoid(vis, out=vis)
            uv.uniform_(generator=gen)
            torch.lt(uv, vis, out=chains)
        torch.addmm(b, chains, w, out=hid)
        torch.sigmoid(hid, out=hid)
        torch.mm(v0.t(), pos, out=dw)
        torch.mm(chains.t(), hid, out=dw2)
        dw.sub_(dw2)
        w.add_(dw, alpha=scale)
        a.add_(v0.sum(0) - chains.sum(0), alpha=scale)
        b.add_(pos.sum(0) - hid.sum(0), alpha=scale)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dtype", default="f32", choices=["f32", "f64"])
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--mnist", default=MNIST)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dt = torch.float32 if args.dtype == "f32" else torch.float64
    x = load_mnist(args.mnist, dt)
    nv, nh, batch, batches, lr = 784, 500, 100, 600, 0.01
    gen = torch.Generator().manual_seed(1)
    w = 0.01 * torch.randn(nv, nh, generator=gen, dtype=dt)
    a, b = torch.zeros(nv, dtype=dt), torch.zeros(nh, dtype=dt)
    chains = (torch.rand(batch, nv, generator=gen) < 0.5).to(dt)
    bufs = (torch.empty(batch, nh, dtype=dt), torch.empty(batch, nh, dtype=dt),
            torch.empty(batch, nv, dtype=dt), torch.empty(batch, nh, dtype=dt),
            torch.empty(batch, nv, dtype=dt), torch.empty(nv, nh, dtype=dt),
            torch.empty(nv, nh, dtype=dt))
    gemms = 1 + 2 * args.k + 1 + 2
    flop = 2.0 * batch * nv * nh * gemms * batches
    with torch.no_grad():
        epoch(x, w, a, b, chains, bufs, lr, args.k, batch, 5, gen)  # warm-up
        for _ in range(args.epochs):
            t = time.perf_counter()
            epoch(x, w, a, b, chains, bufs, lr, args.k, batch, batches, gen)
            s = time.perf_counter() - t
            print(f"torch {torch.__version__} PCD-{args.k} {args.dtype} threads={args.threads} "
                  f"{s:.3f} s/epoch  {flop / s / 1e9:.1f} GFLOP/s ({gemms} GEMMs/minibatch)  "
                  f"|W|_F={torch.linalg.norm(w).item():.4f}")


if __name__ == "__main__":
    main()
