"""Writes the message streams GradBench's lse and gmm evals send with their default options, so the tool can be
timed on the same workloads without the GradBench CLI (the numbers in ../README.md were measured this way).

    python3 default_workloads.py lse > lse.jsonl      # 10 sizes n = 2500 .. 1280000, primal then gradient
    python3 default_workloads.py gmm > gmm.jsonl      # 25 (d, k) pairs, n = 1000, objective then jacobian
    dotnet AutoDiffGen.GradBench.dll < gmm.jsonl > gmm.out.jsonl
    python3 default_workloads.py summarize gmm.jsonl gmm.out.jsonl

The inputs follow the evals' defaults as read in GradBench's repository (python/gradbench/gradbench/evals/*/run.py):
seed 31337, min_runs 1, min_seconds 1; lse draws x = rand(n) from numpy's legacy generator for each n in turn;
gmm draws each workload from a fresh numpy default_rng(31337) in the order x, mu, q, l, alpha (x normal, mu
uniform, q, l and alpha normal; l flat, d(d-1)/2 numbers per component), with m = 0 and gamma = 1. Needs numpy.
"""

import json
import sys

import numpy as np

SEED = 31337
RUNS = {"min_runs": 1, "min_seconds": 1}


def message_stream(eval_name, module, workloads):
    """The eval's side of a session: start, define, then one evaluate per (function, input, description)."""
    messages = [{"kind": "start", "eval": eval_name}, {"kind": "define", "module": module}]
    for function, data, description in workloads:
        messages.append(
            {"kind": "evaluate", "module": module, "function": function, "input": data | RUNS, "description": description}
        )
    return [{"id": i} | m for i, m in enumerate(messages)]


def lse_workloads():
    np.random.seed(SEED)
    for n in [2500, 5000, 10000, 20000, 40000, 80000, 160000, 320000, 640000, 1280000]:
        data = {"x": np.random.rand(n).tolist()}
        yield "primal", data, f"n={n}"
        yield "gradient", data, f"n={n}"


def gmm_input(d, k, n):
    rng = np.random.default_rng(seed=SEED)
    x = [rng.normal(size=d).tolist() for _ in range(n)]
    mu = [rng.uniform(size=d).tolist() for _ in range(k)]
    q = [rng.normal(size=d).tolist() for _ in range(k)]
    l = [rng.normal(size=d * (d - 1) // 2).tolist() for _ in range(k)]
    alpha = rng.normal(size=k).tolist()
    return {"d": d, "k": k, "n": n, "x": x, "m": 0, "gamma": 1.0, "mu": mu, "q": q, "l": l, "alpha": alpha}


def gmm_workloads():
    pairs = sorted([(d, k) for d in [2, 10, 20, 32, 64] for k in [5, 10, 25, 50, 100]], key=lambda p: p[0] * p[1])
    for d, k in pairs:
        data = gmm_input(d, k, 1000)
        yield "objective", data, f"{d}_{k}_1000"
        yield "jacobian", data, f"{d}_{k}_1000"


def summarize(messages_path, replies_path):
    """Prints, per evaluate, the mean of its evaluate timings (what GradBench's summary.json reports) and the minimum."""
    with open(messages_path) as f:
        messages = {m["id"]: m for m in map(json.loads, f)}
    with open(replies_path) as f:
        for reply in map(json.loads, f):
            message = messages[reply["id"]]
            if message["kind"] != "evaluate":
                continue
            if not reply.get("success"):
                print(f"{message['description']:>12} {message['function']:>9}  FAILED: {reply.get('error')}")
                continue
            times = [t["nanoseconds"] for t in reply["timings"] if t["name"] == "evaluate"]
            print(f"{message['description']:>12} {message['function']:>9}  runs {len(times):6d}  "
                  f"mean {sum(times) / len(times) / 1e6:10.4f} ms  min {min(times) / 1e6:10.4f} ms")


if __name__ == "__main__":
    if sys.argv[1] == "summarize":
        summarize(sys.argv[2], sys.argv[3])
    else:
        workloads = {"lse": lse_workloads, "gmm": gmm_workloads}[sys.argv[1]]
        for m in message_stream(sys.argv[1], sys.argv[1], workloads()):
            print(json.dumps(m))
