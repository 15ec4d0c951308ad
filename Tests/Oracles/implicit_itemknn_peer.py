"""Peer timing for item-knn: the `implicit` package's cosine item-kNN (implicit 0.7.x, CosineRecommender) fitted
on the same binary user x item training matrix RecLab's benchmark fits, best of N runs, plus its top-K neighbour
lists so the benchmark can check both computed the same neighbourhoods.

Used by `reclab-bench strategies` (docs/benchmarks.md, "item-knn against implicit"); needs `pip install implicit`.
Input: a CSV of `user,item` index pairs (0-based), one training interaction a line, no header.
Output (stdout, one JSON line): seconds (best), runs, version, threads, neighbours (item -> [neighbour items]) and
similarities (item -> their similarities, best first): ties make the neighbour sets differ, the values must not.
"""
import argparse
import json
import time

import numpy as np
import scipy.sparse as sp


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    import implicit
    from implicit.nearest_neighbours import CosineRecommender

    pairs = np.loadtxt(args.train, delimiter=",", dtype=np.int64, ndmin=2)
    data = np.ones(len(pairs), dtype=np.float32)
    user_items = sp.csr_matrix((data, (pairs[:, 0], pairs[:, 1])), shape=(args.users, args.items))
    user_items.data[:] = 1  # duplicates summed by the constructor: binary, as RecLab's binarized cosine

    best = float("inf")
    model = None
    for _ in range(args.repeats):
        model = CosineRecommender(K=args.k, num_threads=args.threads)
        start = time.perf_counter()
        model.fit(user_items, show_progress=False)
        best = min(best, time.perf_counter() - start)

    sim = model.similarity.tocsr()
    neighbours, similarities = {}, {}
    for i in range(args.items):
        row = sim.indices[sim.indptr[i]:sim.indptr[i + 1]]
        vals = sim.data[sim.indptr[i]:sim.indptr[i + 1]]
        keep = [(int(j), float(v)) for j, v in sorted(zip(row, vals), key=lambda p: -p[1]) if j != i and v > 0]
        neighbours[i] = [j for j, _ in keep[: args.k - 1]]
        similarities[i] = [v for _, v in keep[: args.k - 1]]
    print(json.dumps({"seconds": best, "runs": args.repeats, "version": implicit.__version__,
                      "threads": args.threads, "neighbours": neighbours,
                      "similarities": similarities}))


if __name__ == "__main__":
    main()
