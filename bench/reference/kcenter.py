"""Farthest-first k-center with numpy, the reference the kernel benchmark compares against.

    python3 kcenter.py MATRIX.f32 ROWS DIM K

MATRIX.f32 holds ROWS x DIM little-endian float32 values (written by bench/kernels.bench.ts from the
same seeded data). Each pick computes every row's squared distance to the newest centre as
|x|^2 + |c|^2 - 2 X @ c in float32 (BLAS matrix-vector product), lowers the running minimum and takes
its arg-max, starting from row 0. Prints one JSON line: seconds (the picks only, not the load), k, the
picks' covering radius and the picks themselves.
"""
import json
import sys
import time

import numpy as np


def main() -> None:
    path, rows, dim, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    x = np.fromfile(path, dtype="<f4", count=rows * dim).reshape(rows, dim)
    norms = np.einsum("ij,ij->i", x, x)
    min_dist = np.full(rows, np.inf, dtype=np.float32)
    d = np.empty(rows, dtype=np.float32)
    picks = []
    nxt = 0
    started = time.perf_counter()
    for _ in range(k):
        picks.append(nxt)
        c = x[nxt]
        np.matmul(x, c, out=d)
        d *= -2
        d += norms
        d += norms[nxt]
        np.minimum(min_dist, d, out=min_dist)
        nxt = int(np.argmax(min_dist))
    seconds = time.perf_counter() - started
    radius = float(np.sqrt(max(float(min_dist[nxt]), 0.0)))
    print(json.dumps({"seconds": seconds, "k": k, "radius": radius, "picks": picks}))


if __name__ == "__main__":
    main()
