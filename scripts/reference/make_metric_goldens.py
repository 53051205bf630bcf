#!/usr/bin/env python3
"""Golden values of PEFTLab's evaluation metrics, computed by scikit-learn / numpy / scipy.

    /work/venv/bin/python scripts/reference/make_metric_goldens.py
        writes Tests/PEFTMethodsTests/Fixtures/metrics_golden.json (keys documented in scripts/reference/README.md)

Every float input is float32-exact (it went through np.float32), so a Swift reader that parses the JSON into
Float or Double sees the same numbers; expected values are computed in float64 on those inputs.
"""
import json
import os
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support,
                             precision_score, recall_score, top_k_accuracy_score)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "Tests", "PEFTMethodsTests", "Fixtures", "metrics_golden.json")


def f32(values):
    """float32-exact floats as Python floats (JSON writes the shortest repr of the float64 holding them)."""
    return [float(v) for v in np.asarray(values, dtype=np.float32).astype(np.float64).ravel()]


def f32_matrix(matrix):
    matrix = np.asarray(matrix, dtype=np.float32).astype(np.float64)
    return [[float(v) for v in row] for row in matrix]


# ----------------------------------------------------------------------------------------------- classification

def classification_case(name, note, y_true, y_pred, num_classes, logits=None):
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    labels = list(range(num_classes))
    case = {"name": name, "note": note, "num_classes": num_classes}
    if logits is not None:
        case["logits"] = f32_matrix(logits)
    case["y_true"] = y_true.tolist()
    case["y_pred"] = y_pred.tolist()
    expected = {"accuracy": float(accuracy_score(y_true, y_pred))}
    if num_classes == 2:
        expected["precision"] = float(precision_score(y_true, y_pred, pos_label=1, average="binary", zero_division=0))
        expected["recall"] = float(recall_score(y_true, y_pred, pos_label=1, average="binary", zero_division=0))
        expected["f1"] = float(f1_score(y_true, y_pred, pos_label=1, average="binary", zero_division=0))
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    expected["per_class_precision"] = [float(v) for v in p]
    expected["per_class_recall"] = [float(v) for v in r]
    expected["per_class_f1"] = [float(v) for v in f]
    expected["support"] = [int(v) for v in support]
    expected["macro_f1"] = float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))
    expected["weighted_f1"] = float(f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0))
    present = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    if present != labels:
        # sklearn without `labels=` averages only over the classes that occur in y_true or y_pred.
        expected["macro_f1_observed_labels"] = float(f1_score(y_true, y_pred, average="macro", zero_division=0))
    expected["confusion_matrix"] = confusion_matrix(y_true, y_pred, labels=labels).tolist()
    case["expected"] = expected
    return case


def classification_cases():
    rng = np.random.default_rng(11)
    cases = []

    y_true = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1]
    y_pred = [1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0]
    cases.append(classification_case("binary_basic", "14 examples (9 positive), errors both ways", y_true, y_pred, 2))

    y_true = [1, 0, 1, 0, 0, 1, 0, 0, 1, 0]
    y_pred = [0] * 10
    cases.append(classification_case(
        "binary_no_positive_predictions",
        "class 1 absent from predictions: positive precision is 0/0 -> 0 (zero_division=0), so f1 = 0",
        y_true, y_pred, 2))

    y_true = [0] * 8
    y_pred = [0, 1, 0, 0, 1, 0, 0, 0]
    cases.append(classification_case(
        "binary_no_positive_truth",
        "class 1 absent from y_true: positive recall is 0/0 -> 0; class 1 has support 0 (weight 0 in weighted_f1)",
        y_true, y_pred, 2))

    y_true = [0, 1, 1, 0, 1]
    cases.append(classification_case("binary_all_correct", "perfect predictions", y_true, y_true, 2))

    # Ties in logits: the prediction is the FIRST index of the maximum (np.argmax / torch.argmax on CPU).
    logits = np.array([[0.5, 0.5], [1.0, -1.0], [0.25, 0.25], [-2.0, 3.0], [0.0, 0.0], [1.5, 1.5],
                       [0.75, 0.5], [-0.5, 0.25], [2.0, 2.0], [0.125, 0.0]], dtype=np.float32)
    y_true = [1, 0, 0, 1, 1, 1, 0, 1, 0, 0]
    y_pred = np.argmax(logits, axis=1)
    cases.append(classification_case(
        "binary_logit_ties",
        "y_pred = argmax(logits) taking the first maximal index on ties (np.argmax); rows 0,2,4,5,8 are tied",
        y_true, y_pred, 2, logits=logits))

    y_true = rng.integers(0, 3, 24)
    y_pred = np.where(rng.random(24) < 0.6, y_true, rng.integers(0, 3, 24))
    cases.append(classification_case("multiclass3_random", "3 classes, 24 examples, ~60% copied from y_true",
                                     y_true, y_pred, 3))

    y_true = [0, 1, 2, 3, 2, 1, 0, 3, 2, 2, 1, 0, 3, 1, 2, 0]
    y_pred = [0, 1, 1, 3, 0, 1, 0, 3, 1, 3, 1, 0, 3, 0, 0, 1]
    cases.append(classification_case(
        "multiclass4_class_absent_from_predictions",
        "class 2 occurs in y_true (5 times) but is never predicted: its precision is 0/0 -> 0, f1 0",
        y_true, y_pred, 4))

    y_true = [0, 1, 0, 1, 3, 3, 0, 1, 3, 0]
    y_pred = [0, 1, 1, 1, 3, 0, 0, 1, 3, 3]
    cases.append(classification_case(
        "multiclass4_class_absent_everywhere",
        "class 2 is in neither y_true nor y_pred: with labels=range(4) it counts as f1 0 in macro_f1; "
        "macro_f1_observed_labels is sklearn's default (labels seen in y_true or y_pred only)",
        y_true, y_pred, 4))

    logits = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [0.5, 0.5, 0.5], [3.0, 1.0, 3.0],
                       [-1.0, -1.0, -0.5], [0.25, 0.75, 0.75], [2.0, 0.0, 1.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    y_true = [1, 2, 2, 0, 2, 1, 0, 1]
    cases.append(classification_case(
        "multiclass3_logit_ties",
        "y_pred = first index of the row maximum (np.argmax); rows 0,1,2,3,5,7 are tied",
        y_true, np.argmax(logits, axis=1), 3, logits=logits))
    return cases


# --------------------------------------------------------------------------------------------------- regression

def multiclass_acc(pred, truth):
    """MMSA's __multiclass_acc: np.round (round half to even) on both sides."""
    return float(np.sum(np.round(pred) == np.round(truth)) / float(len(truth)))


def half_away_round(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def regression_case(name, note, y_pred, y_true):
    pred = np.asarray(f32(y_pred), dtype=np.float64)
    truth = np.asarray(f32(y_true), dtype=np.float64)
    expected = {}
    expected["mae"] = float(np.mean(np.abs(pred - truth)))
    if np.std(pred) == 0 or np.std(truth) == 0:
        expected["corr"] = None
    else:
        corr = float(np.corrcoef(pred, truth)[0][1])
        pearson = float(scipy.stats.pearsonr(pred, truth)[0])
        assert abs(corr - pearson) < 1e-12, (corr, pearson)
        expected["corr"] = corr
    # Acc-2 "has0" / non-negative: y < 0 vs y >= 0, all examples.
    bt, bp = truth >= 0, pred >= 0
    expected["acc2"] = float(accuracy_score(bt, bp))
    expected["acc2_f1"] = float(f1_score(bt, bp, average="weighted", zero_division=0))
    # Acc-2 "non0": drop examples whose TARGET is exactly 0, then y > 0 vs not (a prediction of exactly 0 counts
    # as negative here, as in MMSA's `test_preds[non_zeros] > 0`).
    keep = truth != 0
    expected["nonzero_count"] = int(keep.sum())
    nt, np_ = truth[keep] > 0, pred[keep] > 0
    expected["acc2_nonzero"] = float(accuracy_score(nt, np_))
    expected["acc2_nonzero_f1"] = float(f1_score(nt, np_, average="weighted", zero_division=0))
    expected["acc3"] = multiclass_acc(np.clip(pred, -1, 1), np.clip(truth, -1, 1))
    expected["acc5"] = multiclass_acc(np.clip(pred, -2, 2), np.clip(truth, -2, 2))
    expected["acc7"] = multiclass_acc(np.clip(pred, -3, 3), np.clip(truth, -3, 3))
    # The same with round-half-away-from-zero (Swift's default `.rounded()`), to show where the two differ.
    for key, bound in (("acc5_half_away", 2), ("acc7_half_away", 3)):
        p, t = np.clip(pred, -bound, bound), np.clip(truth, -bound, bound)
        expected[key] = float(np.mean(half_away_round(p) == half_away_round(t)))
    return {"name": name, "note": note, "y_pred": f32(pred), "y_true": f32(truth), "expected": expected}


def regression_cases():
    rng = np.random.default_rng(22)
    cases = []
    # MOSI-like targets: means of 3 annotators on the integer scale [-3, 3] -> multiples of 1/3.
    truth = np.round(rng.uniform(-3, 3, 30) * 3) / 3
    pred = np.clip(truth + rng.normal(0, 0.8, 30), -3.4, 3.4)
    cases.append(regression_case("mosi_like_random", "30 examples; targets multiples of 1/3, preds noisy and "
                                 "a few beyond +-3 (MAE uses the unclipped preds)", pred, truth))

    truth = [0.0, 0.0, 1.0, -1.0, 0.0, 2.0, -0.6666667, 0.0, 1.3333334, -2.0, 0.0, 0.33333334]
    pred = [0.0, 0.4, 0.0, -0.2, -0.3, 1.6, 0.0, 0.1, 1.1, -1.2, 0.0, -0.1]
    cases.append(regression_case(
        "zeros_in_targets_and_preds",
        "5 targets exactly 0 (dropped by the non-zero convention) and several preds exactly 0: a 0 prediction is "
        "non-negative for acc2 but not positive for acc2_nonzero", pred, truth))

    truth = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.5, 1.5, 2.5, -2.5, 3.0, -3.0, 2.0, 0.0]
    pred = [0.0, -0.0, 2.0, -2.0, 2.0, -2.0, 1.0, 1.0, 3.0, -3.0, 3.5, -3.5, 2.5, 0.5]
    cases.append(regression_case(
        "half_rounding_boundaries",
        "values exactly at .5: np.round is half-to-even (0.5->0, 1.5->2, 2.5->2, -0.5->-0, -2.5->-2); "
        "acc5 clips 2.5 and 3.5 to 2 first; compare acc5/acc7 with the *_half_away keys", pred, truth))

    truth = [-2.4, -1.2, 0.6, 1.8, 2.2, -0.4, 0.0, 3.0]
    pred = [0.7] * 8
    cases.append(regression_case(
        "constant_predictions",
        "all preds equal: Pearson r is undefined (np.corrcoef gives NaN) and is stored as null", pred, truth))

    truth = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 1.0, -1.0, 2.0]
    pred = [-2.75, -2.25, -0.5, 0.25, 0.75, 2.5, 2.75, -0.25, 0.5, 1.5]
    cases.append(regression_case("integer_targets", "integer targets, preds on quarter steps (includes .5 values)",
                                 pred, truth))
    return cases


# ---------------------------------------------------------------------------------------------------- retrieval

def ranks(scores_of_row, true_index):
    """Pessimistic rank (1-based) of the true item: 1 + number of OTHER items scoring >= the true item."""
    true_score = scores_of_row[true_index]
    others = np.delete(scores_of_row, true_index)
    pessimistic = 1 + int(np.sum(others >= true_score))
    optimistic = 1 + int(np.sum(others > true_score))
    assert pessimistic == int(scipy.stats.rankdata(-scores_of_row, method="max")[true_index])
    assert optimistic == int(scipy.stats.rankdata(-scores_of_row, method="min")[true_index])
    return pessimistic, optimistic


def retrieval_direction(matrix, prefix, out, check_sklearn):
    n = matrix.shape[0]
    pess, opt = zip(*(ranks(matrix[i], i) for i in range(n)))
    pess, opt = np.array(pess), np.array(opt)
    for k in (1, 5, 10):
        out[f"{prefix}_r{k}"] = float(np.mean(pess <= k))
        out[f"{prefix}_r{k}_optimistic"] = float(np.mean(opt <= k))
        if check_sklearn:
            sk = top_k_accuracy_score(np.arange(n), matrix, k=k, labels=np.arange(n))
            assert abs(sk - out[f"{prefix}_r{k}"]) < 1e-12, (prefix, k, sk, out[f"{prefix}_r{k}"])
    out[f"{prefix}_rsum"] = out[f"{prefix}_r1"] + out[f"{prefix}_r5"] + out[f"{prefix}_r10"]
    out[f"{prefix}_mrr"] = float(np.mean(1.0 / pess))
    out[f"{prefix}_mrr_optimistic"] = float(np.mean(1.0 / opt))
    out[f"{prefix}_medr"] = float(np.median(pess))
    out[f"{prefix}_ranks"] = pess.tolist()


def retrieval_case(name, note, similarity):
    similarity = np.asarray(f32_matrix(similarity), dtype=np.float64)
    n = similarity.shape[0]
    assert similarity.shape == (n, n)
    # Ties that matter: a true item scoring exactly as much as some other candidate of its row / column.
    true_scores = np.diag(similarity)
    row_ties = int(sum(np.sum(np.delete(similarity[i], i) == true_scores[i]) > 0 for i in range(n)))
    col_ties = int(sum(np.sum(np.delete(similarity[:, i], i) == true_scores[i]) > 0 for i in range(n)))
    expected = {"i2t_queries_with_tied_true_item": row_ties, "t2i_queries_with_tied_true_item": col_ties}
    retrieval_direction(similarity, "i2t", expected, check_sklearn=row_ties == 0)
    retrieval_direction(similarity.T, "t2i", expected, check_sklearn=col_ties == 0)
    expected["rsum"] = expected["i2t_rsum"] + expected["t2i_rsum"]
    return {"name": name, "note": note, "n": n, "similarity": f32_matrix(similarity), "expected": expected}


def retrieval_cases():
    rng = np.random.default_rng(33)
    cases = []
    # Dyadic values (multiples of 1/1024) are exact in float32 and float64, so ties cannot appear or vanish.
    n = 16
    emb_i = rng.normal(size=(n, 8))
    emb_t = emb_i + rng.normal(scale=1.2, size=(n, 8))
    emb_i /= np.linalg.norm(emb_i, axis=1, keepdims=True)
    emb_t /= np.linalg.norm(emb_t, axis=1, keepdims=True)
    sim = np.round((emb_i @ emb_t.T) * 1024) / 1024
    cases.append(retrieval_case("cosine_16_no_ties", "cosine similarities of noisy paired embeddings, n=16, "
                                "rounded to multiples of 1/1024 (no ties)", sim))

    n = 32
    sim = np.round((rng.normal(size=(n, n)) + np.eye(n) * 1.0) * 65536) / 65536
    cases.append(retrieval_case("gaussian_32_no_ties", "random scores + 1.0 on the diagonal, n=32, multiples of "
                                "1/65536", sim))

    n = 20
    sim = np.round((rng.normal(size=(n, n)) + np.eye(n) * 0.8) * 4) / 4  # quarter steps: many ties
    sim[3, :] = 0.0  # row 3 all equal: pessimistic rank n, optimistic rank 1
    sim[:, 7] = 1.0  # column 7 all equal
    cases.append(retrieval_case(
        "quarter_scores_20_ties",
        "scores rounded to multiples of 0.25 so many ties, row 3 all 0, column 7 all 1; pessimistic rank counts every "
        "other candidate scoring >= the true one", sim))

    n = 12
    sim = np.zeros((n, n))
    cases.append(retrieval_case("all_equal_12", "every score equal: every pessimistic rank is 12", sim))

    n = 12
    cases.append(retrieval_case("identity_12", "perfect retrieval: the diagonal is the strict maximum",
                                np.eye(n) * 0.5 - 0.25))
    return cases


def main():
    golden = {
        "made_by": "scripts/reference/make_metric_goldens.py",
        "versions": {"numpy": np.__version__, "scikit-learn": sklearn.__version__, "scipy": scipy.__version__,
                     "python": sys.version.split()[0]},
        "conventions": {
            "inputs": "all float inputs are float32-exact; expected values computed in float64",
            "classification": "sklearn with labels=range(num_classes) and zero_division=0; binary precision/recall/f1 "
                              "are of class 1 (pos_label=1, average='binary'); confusion_matrix[true][pred]; "
                              "logits -> y_pred by first maximal index (np.argmax)",
            "regression": "MMSA metricsTop __eval_mosei_regression: mae on unclipped values; corr = np.corrcoef "
                          "(Pearson; null when a side is constant); acc2 = (truth>=0) vs (pred>=0) over all; "
                          "acc2_nonzero = (truth>0) vs (pred>0) over examples with truth != 0; f1 = "
                          "f1_score(truth, pred, average='weighted'); acc3/acc5/acc7 = mean(round(clip(pred,-b,b)) "
                          "== round(clip(truth,-b,b))) with b=1/2/3",
            "rounding": "np.round = round half to even (banker's rounding), as MMSA; *_half_away keys use round "
                        "half away from zero (Swift .rounded()); Swift equivalent of np.round: "
                        ".rounded(.toNearestOrEven)",
            "retrieval": "similarity[i][j] = score of image i with text j, ground truth of row i is column i; "
                         "i2t ranks row i's true text among row i, t2i ranks column j's true image among column j; "
                         "rank = 1 + #{other candidates with score >= true score} (pessimistic ties); "
                         "R@k = fraction of queries with rank <= k; mrr = mean(1/rank); medr = median rank; "
                         "rsum per direction = r1+r5+r10, rsum = i2t_rsum + t2i_rsum; recalls are fractions, not "
                         "percentages; *_optimistic keys use rank = 1 + #{score > true score}",
        },
        "classification": classification_cases(),
        "regression": regression_cases(),
        "retrieval": retrieval_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    text = json.dumps(golden, indent=1, allow_nan=False)
    with open(OUT, "w") as handle:
        handle.write(text + "\n")
    print(f"wrote {os.path.relpath(OUT, REPO)} ({len(text)} bytes): {len(golden['classification'])} classification, "
          f"{len(golden['regression'])} regression, {len(golden['retrieval'])} retrieval cases")


if __name__ == "__main__":
    main()
