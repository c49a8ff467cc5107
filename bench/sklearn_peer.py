"""The scikit-learn side of bench/{cluster,manifold,decomposition}.bench.mjs, run as a subprocess
with Debian's /usr/bin/python3 (python3-sklearn 1.2.1).

  sklearn_peer.py data <kind> <out.f32>          writes the benchmark data (float32, row-major) and
                                                 prints {"n", "d", "labels"} as JSON
  sklearn_peer.py <task> <in.f32> <n> <d> <threads> <repeats> [args]   times a fit with BLAS and
                                                 OpenMP limited to <threads> (threadpoolctl) and prints
                                                 {"seconds": [...], "cpuSeconds": [...], ...results}
                                                 as JSON (cpuSeconds: process CPU time, all threads)

The data is read back as float64 from the float32 file, so scikit-learn computes on exactly the
values tessera sees, in float64 as it does for make_blobs output.
"""
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits


def load(path, n, d):
    return np.fromfile(path, dtype=np.float32).reshape(int(n), int(d)).astype(np.float64)


def data(kind, out):
    from sklearn.datasets import make_blobs
    if kind == "kmeans":
        X, y = make_blobs(n_samples=20000, n_features=32, centers=16, cluster_std=6.0, random_state=0)
    elif kind == "tsne":
        X, y = make_blobs(n_samples=2000, n_features=50, centers=10, random_state=0)
    elif kind == "pca":
        rs = np.random.RandomState(0)
        X = rs.standard_normal((20000, 256)) @ rs.standard_normal((256, 256)) * 0.1 + rs.standard_normal(256)
        y = np.zeros(20000, dtype=int)
    else:
        raise SystemExit(f"unknown data kind {kind}")
    X.astype(np.float32).tofile(out)
    print(json.dumps({"n": X.shape[0], "d": X.shape[1], "labels": y.tolist()}))


CPU_SECONDS = []  # process CPU time (all threads) of each timed run, beside the wall-clock seconds


def timed(fn, repeats):
    seconds, result = [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        seconds.append(time.perf_counter() - t0)
        CPU_SECONDS.append(time.process_time() - c0)
    return seconds, result


def main():
    task = sys.argv[1]
    if task == "data":
        return data(sys.argv[2], sys.argv[3])
    path, n, d, threads, repeats = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    X = load(path, n, d)
    out = {}
    with threadpool_limits(limits=threads):
        if task == "kmeans":
            from sklearn.cluster import KMeans
            k = int(sys.argv[7])
            algorithm = sys.argv[8] if len(sys.argv) > 8 else "lloyd"
            secs, km = timed(lambda: KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=0, algorithm=algorithm).fit(X), repeats)
            out = {"inertia": float(km.inertia_), "nIter": int(km.n_iter_)}
        elif task == "tsne":
            from sklearn.manifold import TSNE, trustworthiness
            method = sys.argv[7]
            t = TSNE(n_components=2, perplexity=30.0, init="pca", method=method, random_state=0, learning_rate="auto")
            secs, E = timed(lambda: t.fit_transform(X), repeats)
            out = {"kl": float(t.kl_divergence_), "trustworthiness": float(trustworthiness(X, E, n_neighbors=10))}
        elif task == "pca":
            from sklearn.decomposition import PCA
            nc = None if sys.argv[7] == "all" else int(sys.argv[7])
            solver = sys.argv[8] if len(sys.argv) > 8 else "auto"
            secs, p = timed(lambda: PCA(n_components=nc, svd_solver=solver, random_state=0).fit(X), repeats)
            out = {"explainedVariance0": float(p.explained_variance_[0]), "solver": p._fit_svd_solver}
        else:
            raise SystemExit(f"unknown task {task}")
    out["seconds"] = secs
    out["cpuSeconds"] = CPU_SECONDS
    print(json.dumps(out))


if __name__ == "__main__":
    main()
