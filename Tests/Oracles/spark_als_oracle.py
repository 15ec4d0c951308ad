#!/usr/bin/env python3
"""Spark MLlib ALS oracle for RecLab's `als` (issue 12, "Parity with Spark MLlib ALS").

Fits pyspark.ml.recommendation.ALS in local[2] mode (explicit feedback, rank 50, 10 iterations,
regParam 0.1, nonnegative false, Cholesky solver) on a training CSV and reports the RMSE on a test
CSV, predicting the training mean for a pair whose user or item has no training rating (Spark returns
NaN there; coldStartStrategy "nan" and then the mean, the protocol RecLab's `als` uses).

  python3 Tests/Oracles/spark_als_oracle.py fixture
      (re)writes the committed fixture Tests/Oracles/als-fixture/{train,test}.csv (synthetic, seeded)
      and Tests/Oracles/als-fixture/spark.json with Spark's RMSE for seeds 1..5 and their mean
      (AlsSparkParityTests compares RecLab with that mean).
  python3 Tests/Oracles/spark_als_oracle.py --train TRAIN.csv --test TEST.csv [--seeds 1,2,3]
      prints one JSON object {"rmse": mean, "per_seed": [...]}; reclab-bench uses this for the live
      comparison on ml-latest-small.

CSV files: user,item,rating (no header). Needs pyspark (pip install pyspark) and Java 17.
"""
import json, math, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "als-fixture")
SETTINGS = {"rank": 50, "maxIter": 10, "regParam": 0.1, "implicitPrefs": False, "nonnegative": False,
            "master": "local[2]"}


def read(path):
    out = []
    with open(path) as f:
        for line in f:
            u, i, r = line.strip().split(",")
            out.append((int(u), int(i), float(r)))
    return out


def make_fixture():
    """A sparse, long-tailed rating world like MovieLens (deterministic for the seed): 150 users, 1500 items
    chosen with Zipf-like popularity (most items have one to three ratings), 10 to 250 ratings a user
    (log-uniform), ratings 0.5..5 in steps of 0.5 from 5 latent factors plus user and item effects and noise;
    each rating goes to the test part with probability 0.2 (test items absent from training are cold pairs)."""
    rng = random.Random(20261202)
    users, items, k = 150, 1500, 5
    p = [[rng.gauss(0, 0.5) for _ in range(k)] for _ in range(users)]
    q = [[rng.gauss(0, 0.5) for _ in range(k)] for _ in range(items)]
    bu = [rng.gauss(0, 0.4) for _ in range(users)]
    bi = [rng.gauss(0, 0.5) for _ in range(items)]
    weight = [1 / (j + 3) ** 1.1 for j in range(items)]
    train, test = [], []
    for u in range(users):
        n = int(math.exp(rng.uniform(math.log(10), math.log(250))))
        chosen = set()
        while len(chosen) < n:
            chosen.add(rng.choices(range(items), weights=weight)[0])
        for i in sorted(chosen):
            x = 3.5 + bu[u] + bi[i] + sum(a * b for a, b in zip(p[u], q[i])) + rng.gauss(0, 0.7)
            r = min(5.0, max(0.5, round(x * 2) / 2))
            (test if rng.random() < 0.2 else train).append((u + 1, i + 1, r))
    return train, test


def write(path, rows):
    with open(path, "w") as f:
        for u, i, r in rows:
            f.write(f"{u},{i},{r:.1f}\n")


def spark_rmse(train, test, seeds):
    from pyspark.sql import SparkSession
    from pyspark.ml.recommendation import ALS
    spark = (SparkSession.builder.master(SETTINGS["master"]).appName("reclab-als-oracle")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.driver.memory", "2g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        df = spark.createDataFrame(train, ["user", "item", "rating"])
        tdf = spark.createDataFrame([(k, u, i, r) for k, (u, i, r) in enumerate(test)], ["k", "user", "item", "rating"])
        mean = sum(r for _, _, r in train) / len(train)
        out = []
        for seed in seeds:
            als = ALS(rank=SETTINGS["rank"], maxIter=SETTINGS["maxIter"], regParam=SETTINGS["regParam"],
                      implicitPrefs=False, nonnegative=False, userCol="user", itemCol="item",
                      ratingCol="rating", coldStartStrategy="nan", seed=seed)
            model = als.fit(df)
            se = 0.0
            for row in model.transform(tdf).collect():
                p = row["prediction"]
                p = mean if p is None or math.isnan(p) else p
                se += (p - row["rating"]) ** 2
            out.append(math.sqrt(se / len(test)))
        return out, spark.version
    finally:
        spark.stop()


def main():
    args = sys.argv[1:]
    if args and args[0] == "fixture":
        os.makedirs(FIXTURE, exist_ok=True)
        train, test = make_fixture()
        write(os.path.join(FIXTURE, "train.csv"), train)
        write(os.path.join(FIXTURE, "test.csv"), test)
        seeds = [1, 2, 3, 4, 5]
        per_seed, version = spark_rmse(train, test, seeds)
        doc = {"generated_by": "python3 Tests/Oracles/spark_als_oracle.py fixture", "spark_version": version,
               "settings": SETTINGS, "cold_pairs": "training mean", "seeds": seeds,
               "rmse_per_seed": [round(x, 6) for x in per_seed],
               "rmse_mean": round(sum(per_seed) / len(per_seed), 6),
               "train_ratings": len(train), "test_ratings": len(test)}
        with open(os.path.join(FIXTURE, "spark.json"), "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(json.dumps(doc))
        return
    opts = dict(zip(args[::2], args[1::2]))
    if "--train" not in opts or "--test" not in opts:
        sys.exit(__doc__)
    seeds = [int(s) for s in opts.get("--seeds", "1").split(",")]
    per_seed, version = spark_rmse(read(opts["--train"]), read(opts["--test"]), seeds)
    print(json.dumps({"rmse": sum(per_seed) / len(per_seed), "per_seed": per_seed, "spark_version": version}))


if __name__ == "__main__":
    main()
