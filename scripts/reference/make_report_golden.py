"""Golden numbers for PEFTReports' significance tests (Tests/PEFTReportsTests/Fixtures/significance_golden.json).

Run from the repo root:  /work/venv/bin/python scripts/reference/make_report_golden.py

- paired t-test: scipy.stats.ttest_rel (two-sided), t and p per case;
- McNemar, exact: scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue (= statsmodels mcnemar(exact=True));
- paired bootstrap: the report's algorithm replayed exactly (SplitMix64 indices `next() % n`, the statistic =
  seed-averaged candidate − baseline metric, numpy's linear percentiles), with scikit-learn's accuracy and
  macro F1; plus scipy.stats.bootstrap's percentile CI of the accuracy difference (its own RNG) as an
  independent check the Swift test compares within a Monte Carlo tolerance.
Deterministic: rerunning reproduces the file byte for byte.
"""
import json
import os

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.metrics import accuracy_score, f1_score

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def t_cases():
    cases = [
        ("three seeds", [0.81, 0.84, 0.80], [0.78, 0.79, 0.80]),
        ("five seeds, candidate worse", [0.61, 0.58, 0.63, 0.60, 0.59], [0.66, 0.62, 0.64, 0.65, 0.61]),
        ("two seeds (1 degree of freedom)", [0.5, 0.7], [0.4, 0.45]),
        ("ten seeds, tiny difference", [0.7 + 0.01 * ((i * 7) % 5) for i in range(10)],
         [0.7 + 0.01 * ((i * 3) % 5) + 0.001 for i in range(10)]),
        ("large t", [0.9, 0.91, 0.9, 0.92], [0.5, 0.5, 0.51, 0.5]),
    ]
    out = []
    for name, a, b in cases:
        r = stats.ttest_rel(a, b)
        out.append({"name": name, "candidate": a, "baseline": b, "t": float(r.statistic), "p": float(r.pvalue)})
    return out


def mcnemar_cases():
    out = []
    for b, c in [(0, 0), (3, 3), (1, 9), (10, 25), (40, 60), (0, 7), (150, 190), (600, 700)]:
        p = 1.0 if b + c == 0 else float(stats.binomtest(min(b, c), b + c, 0.5).pvalue)
        out.append({"baseline_only": b, "candidate_only": c, "p": p})
    return out


def bootstrap_case():
    rng = np.random.default_rng(2026)
    n, classes = 120, 3
    targets = rng.integers(0, classes, n)

    def predictions(skill):
        right = rng.random(n) < skill
        return np.where(right, targets, rng.integers(0, classes, n))

    candidate = [predictions(0.75), predictions(0.72)]
    baseline = [predictions(0.62), predictions(0.66)]
    resamples, seed = 2000, 7
    gen = SplitMix64(seed)

    def stat(idx):
        acc = np.mean([accuracy_score(targets[idx], c[idx]) - accuracy_score(targets[idx], b[idx])
                       for c, b in zip(candidate, baseline)])
        f1 = np.mean([f1_score(targets[idx], c[idx], average="macro", zero_division=0)
                      - f1_score(targets[idx], b[idx], average="macro", zero_division=0)
                      for c, b in zip(candidate, baseline)])
        return acc, f1

    observed = stat(np.arange(n))
    values = []
    for _ in range(resamples):
        idx = np.array([gen.next() % n for _ in range(n)])
        values.append(stat(idx))
    values = np.array(values)
    ci = {m: [float(np.percentile(values[:, k], 2.5)), float(np.percentile(values[:, k], 97.5))]
          for k, m in enumerate(["accuracy", "macro_f1"])}

    # scipy's own bootstrap of the same accuracy difference (independent RNG, 10 000 resamples).
    correct_c = [(c == targets).astype(float) for c in candidate]
    correct_b = [(b == targets).astype(float) for b in baseline]

    def diff(c0, c1, b0, b1, axis=-1):
        return ((c0.mean(axis=axis) - b0.mean(axis=axis)) + (c1.mean(axis=axis) - b1.mean(axis=axis))) / 2

    scipy_ci = stats.bootstrap((correct_c[0], correct_c[1], correct_b[0], correct_b[1]), diff, paired=True,
                               vectorized=True, n_resamples=10000, method="percentile",
                               random_state=np.random.default_rng(1)).confidence_interval
    return {
        "classes": classes, "targets": targets.tolist(),
        "candidate": [c.tolist() for c in candidate], "baseline": [b.tolist() for b in baseline],
        "resamples": resamples, "seed": seed,
        "observed": {"accuracy": float(observed[0]), "macro_f1": float(observed[1])},
        "ci": ci,
        "scipy_percentile_ci_accuracy_10000": [float(scipy_ci.low), float(scipy_ci.high)],
        "first_draws": [str(v) for v in (lambda g: [g.next() for _ in range(3)])(SplitMix64(seed))],
    }


def main():
    out = {
        "made_by": "scripts/reference/make_report_golden.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "t_test": t_cases(),
        "mcnemar": mcnemar_cases(),
        "bootstrap": bootstrap_case(),
    }
    path = os.path.join("Tests", "PEFTReportsTests", "Fixtures", "significance_golden.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
