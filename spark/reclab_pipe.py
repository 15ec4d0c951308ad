#!/usr/bin/env python3
"""Run the units of a RecLab plan on Apache Spark, then merge them.

    reclab plan experiments/tiny.yaml --out /shared/plans/tiny
    spark-submit spark/reclab_pipe.py /shared/plans/tiny --reclab /usr/local/bin/reclab --workdir /reclab \\
        --out /shared/runs/tiny

The driver reads the plan's unit count, makes an RDD of unit indices and pipes each partition's indices
(one a line) into `reclab run-unit PLAN --stdin` on the executors (RDD.pipe); each unit writes its own
partial result into PLAN/units/. It then runs `reclab gather PLAN` on the driver, which writes the same
metrics.json `reclab run` writes, or lists the units that have no result and exits 1.

What the executors need (see docs/scaling.md): the reclab binary at --reclab, and the plan folder, the
config and its data at the same paths as the driver (a shared filesystem, or the container image with the
data mounted). The driver never runs a shell on a value it read: the command is fixed and the paths reach
it through environment variables.
"""
import argparse
import json
import os
import subprocess
import sys

# The command every executor task runs; the paths come from the environment given to RDD.pipe.
UNIT_COMMAND = "/bin/sh -c 'cd \"$RECLAB_WORKDIR\" && exec \"$RECLAB_BIN\" run-unit \"$RECLAB_PLAN\" --stdin --quiet'"
MAX_UNITS = 1_000_000


def unit_count(plan_dir):
    """The number of units in PLAN/plan.json (checked fully by reclab itself; here only what the driver uses)."""
    path = os.path.join(plan_dir, "plan.json")
    with open(path, "rb") as f:
        manifest = json.load(f)
    units = manifest.get("units") if isinstance(manifest, dict) else None
    if not isinstance(units, list) or not 1 <= len(units) <= MAX_UNITS:
        raise SystemExit(f"reclab_pipe: {path}: not a RecLab plan (no list of 1 to {MAX_UNITS} units)")
    return len(units)


def partial_exists(plan_dir, index):
    return os.path.isfile(os.path.join(plan_dir, "units", "unit-%07d.json" % index))


def parse_args(argv):
    p = argparse.ArgumentParser(description="Run a RecLab plan's units on Spark (RDD.pipe), then gather them.")
    p.add_argument("plan", help="plan folder written by `reclab plan CONFIG --out PLAN`")
    p.add_argument("--reclab", default="reclab", help="path of the reclab binary on the executors and the driver")
    p.add_argument("--workdir", default=os.getcwd(),
                   help="folder the config's relative paths start from, on every machine (default: current folder)")
    p.add_argument("--master", help="Spark master for a run without spark-submit, e.g. local[2]")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                   help="a Spark setting for a run without spark-submit (repeatable)")
    p.add_argument("--partitions", type=int, help="number of tasks (default: one per unit, at most 10000)")
    p.add_argument("--threads", type=int, default=1,
                   help="RECLAB_THREADS of each unit (match spark.task.cpus; default 1)")
    p.add_argument("--resume", action="store_true", help="run only the units that have no partial result yet")
    p.add_argument("--out", help="output folder of gather (default: reports/runs/<name>)")
    p.add_argument("--results", help="results store of gather (default: OUT/results.sqlite)")
    a = p.parse_args(argv)
    if a.partitions is not None and not 1 <= a.partitions <= 100_000:
        p.error("--partitions must be between 1 and 100000")
    for c in a.conf:
        if "=" not in c or not c.split("=", 1)[0].startswith("spark."):
            p.error(f"--conf takes spark.KEY=VALUE, got {c!r}")
    if not 1 <= a.threads <= 1024:
        p.error("--threads must be between 1 and 1024")
    return a


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    plan_dir = os.path.abspath(a.plan)
    workdir = os.path.abspath(a.workdir)
    reclab = a.reclab if os.path.sep not in a.reclab else os.path.abspath(a.reclab)
    n = unit_count(plan_dir)
    indices = [i for i in range(n) if not (a.resume and partial_exists(plan_dir, i))]

    if indices:
        from pyspark.sql import SparkSession  # imported here so --help works without pyspark

        builder = SparkSession.builder.appName("reclab-units")
        if a.master:
            builder = builder.master(a.master)
            if a.master.startswith("local"):
                # One machine: no web UI, and the Python workers are this Python (with pyspark).
                builder = builder.config("spark.ui.enabled", "false")
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        for c in a.conf:
            key, value = c.split("=", 1)
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        try:
            partitions = min(a.partitions or 10_000, len(indices))
            env = {"RECLAB_BIN": reclab, "RECLAB_PLAN": plan_dir, "RECLAB_WORKDIR": workdir,
                   "RECLAB_THREADS": str(a.threads), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            rdd = spark.sparkContext.parallelize([str(i) for i in indices], partitions)
            # checkCode: a unit that exits non-zero fails its task (Spark retries it; a rerun is idempotent).
            for line in rdd.pipe(UNIT_COMMAND, env=env, checkCode=True).collect():
                print(line, flush=True)
        finally:
            spark.stop()

    gather = [reclab, "gather", plan_dir, "--quiet"]
    if a.out:
        gather += ["--out", os.path.abspath(a.out)]
    if a.results:
        gather += ["--results", os.path.abspath(a.results)]
    return subprocess.call(gather, cwd=workdir)


if __name__ == "__main__":
    sys.exit(main())
