# Independent oracle for RunnerTests.testMostPopularOnMLLatestSmallMatchesIndependentOracle: run `python3 Tests/Oracles/most_popular_oracle.py`.
# Independent oracle: most-popular on ml-latest-small, per-user temporal 20% split, relevant = rating >= 4,
# full ranking minus training items, binary nDCG@10 and recall@10 averaged over users with a relevant item.
import csv, math, collections
rows = list(csv.DictReader(open('/work/shared/datasets/ml-latest-small/ratings.csv')))
movies = sorted(int(r['movieId']) for r in csv.DictReader(open('/work/shared/datasets/ml-latest-small/movies.csv')))
by_user = collections.defaultdict(list)
for r in rows:
    by_user[r['userId']].append((int(r['timestamp']), int(r['movieId']), float(r['rating'])))
train, test = {}, {}
for u, lst in by_user.items():
    lst.sort()
    n = len(lst)
    t = min(n - 1, max(1, math.floor(0.2 * n + 0.5))) if n >= 2 else 0
    train[u] = lst[:n - t]; test[u] = lst[n - t:]
count = collections.Counter(m for u in train for (_, m, _) in train[u])
order = sorted(movies, key=lambda m: (-count[m], m))
ndcgs, recalls, excluded = [], [], 0
for u in by_user:
    seen = {m for (_, m, _) in train[u]}
    rel = {m for (_, m, r) in test[u] if r >= 4 and m not in seen}
    if not test[u]: continue
    if not rel: excluded += 1; continue
    top = [m for m in order if m not in seen][:10]
    dcg = sum(1 / math.log2(i + 2) for i, m in enumerate(top) if m in rel)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(10, len(rel))))
    ndcgs.append(dcg / idcg); recalls.append(sum(m in rel for m in top) / len(rel))
print(len(ndcgs), excluded, repr(sum(ndcgs) / len(ndcgs)), repr(sum(recalls) / len(recalls)))
