"""Training for the gate model (models → gate): small MLP heads, thresholds from held-out photos, ONNX export.

Used by build_gate_model.py. Plain numpy, full batch, seeded: the same data gives the same bytes.
"""

from __future__ import annotations

import numpy as np


def train_mlp(X, Y, hidden, rng, steps, l2=1e-4, lr=0.03):
    """A one-hidden-layer tanh MLP with sigmoid outputs, full-batch Adam on binary cross-entropy."""
    mu, sd = X.mean(0), X.std(0) + 1e-6
    Xn = (X - mu) / sd
    params = [rng.normal(0, 1 / np.sqrt(X.shape[1]), (X.shape[1], hidden)), np.zeros(hidden),
              rng.normal(0, 1 / np.sqrt(hidden), (hidden, Y.shape[1])), np.zeros(Y.shape[1])]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    pos = Y.mean(0).clip(0.02, 0.98)
    weight = np.where(Y > 0, 0.5 / pos, 0.5 / (1 - pos))  # every reason counts, however rare
    for t in range(1, steps + 1):
        W1, b1, W2, b2 = params
        H = np.tanh(Xn @ W1 + b1)
        P = 1 / (1 + np.exp(-(H @ W2 + b2)))
        G = weight * (P - Y) / len(X)
        gW2 = H.T @ G + l2 * W2
        gH = (G @ W2.T) * (1 - H ** 2)
        grads = [Xn.T @ gH + l2 * W1, gH.sum(0), gW2, G.sum(0)]
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] = params[i] - lr * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    W1, b1, W2, b2 = params
    # fold the input standardisation into the first layer, so the graph is just two Gemms
    return [(W1 / sd[:, None]).astype(np.float32), (b1 - (mu / sd) @ W1).astype(np.float32),
            W2.astype(np.float32), b2.astype(np.float32)]


def predict(params, X):
    W1, b1, W2, b2 = (p.astype(np.float64) for p in params)
    return 1 / (1 + np.exp(-(np.tanh(X @ W1 + b1) @ W2 + b2)))


def train_bag(X, Y, hidden, seed, members, steps, l2):
    """`members` MLPs from different starting weights, whose probabilities are averaged: one net's quirks
    (a confident verdict on a photo unlike any it trained on) are outvoted by the others'."""
    return [train_mlp(X, Y, hidden, np.random.default_rng(seed + k), steps, l2=l2) for k in range(members)]


def predict_bag(bag, X):
    return np.mean([predict(p, X) for p in bag], axis=0)


def out_of_fold(X, Y, groups, folds, train):
    """Predictions for every sample from a model that never saw its photo: photos are dealt into
    `folds` groups, each predicted by a model trained on the others (`train(X, Y) -> bag`)."""
    P = np.zeros_like(Y)
    fold = np.arange(groups.max() + 1) % folds
    for f in range(folds):
        held = fold[groups] == f
        P[held] = predict_bag(train(X[~held], Y[~held]), X[held])
    return P


def verdict_rates(P, Y, thresholds) -> tuple[float, float]:
    """(false reject, false accept): good samples refused for any reason, bad ones passed for all."""
    refused = (P >= thresholds).any(1)
    good = Y.sum(1) == 0
    return float(refused[good].mean()), float((~refused[~good]).mean())


def _min_cost(P, Y, names, fr_weight, rounds=3):
    """Per-reason thresholds minimising fr_weight x false reject + false accept of the whole verdict,
    one reason at a time against the others' current thresholds. Where a stretch of thresholds all cost
    the same (no held-out photo falls between them) the middle of the stretch, in logit terms, is taken,
    so the cut sits halfway between the good and the bad it saw rather than against one of them."""
    logits = np.linspace(-4, 7, 221)
    grid = 1 / (1 + np.exp(-logits))
    th = np.full(len(names), 0.5)
    for _ in range(rounds):
        for j in range(len(names)):
            costs = []
            for t in grid:
                trial = th.copy()
                trial[j] = t
                fr, fa = verdict_rates(P, Y, trial)
                costs.append(fr_weight * fr + fa)
            costs = np.array(costs)
            best = int(np.argmin(costs))
            lo = hi = best
            while lo > 0 and costs[lo - 1] <= costs[best] + 1e-12:
                lo -= 1
            while hi < len(grid) - 1 and costs[hi + 1] <= costs[best] + 1e-12:
                hi += 1
            th[j] = 1 / (1 + np.exp(-(logits[lo] + logits[hi]) / 2))
    return th


def pick_thresholds(P, Y, names, fr_budget=0.01):
    """Per-reason thresholds on held-out predictions (photos the model did not train on): as few false
    accepts as possible while at most `fr_budget` of the good photos are refused, for any reason.

    A good photo is lost when any reason fires, so the reasons share the budget; the weight on false
    rejects is raised until the verdict keeps within it. The budget is set below the kiosk's target:
    the faults come from a few known mechanisms, the good photos a station meets from anywhere.
    """
    weight = 1.0
    while True:
        th = _min_cost(P, Y, names, weight)
        if verdict_rates(P, Y, th)[0] <= fr_budget or weight > 200:
            return {n: round(float(t), 4) for n, t in zip(names, th)}
        weight *= 1.25


def pick_thresholds_f1(P, Y, names):
    """Per reason, the threshold with the best F1, nearest 0.5 among those within 0.01 of the best."""
    out = {}
    grid = np.round(np.arange(0.2, 0.81, 0.05), 2)
    for j, name in enumerate(names):
        f1s = []
        for t in grid:
            pred = P[:, j] >= t
            tp = float((pred & (Y[:, j] > 0)).sum())
            f1s.append(2 * tp / max(1.0, pred.sum() + Y[:, j].sum()))
        near = [t for t, f in zip(grid, f1s) if f >= max(f1s) - 0.01]
        out[name] = float(min(near, key=lambda t: abs(t - 0.5)))
    return out


def accuracy(P, Y, names, thresholds):
    out = {}
    for j, name in enumerate(names):
        pred, truth = P[:, j] >= thresholds[name], Y[:, j] > 0
        tp = float((pred & truth).sum())
        out[name] = {"precision": round(tp / max(1, pred.sum()), 4), "recall": round(tp / max(1, truth.sum()), 4),
                     "support": int(truth.sum())}
    return out


def _head(prefix, inp, out, params):
    from onnx import helper, numpy_helper

    inits = [numpy_helper.from_array(a, f"{prefix}_{n}") for a, n in zip(params, ("W1", "b1", "W2", "b2"))]
    nodes = [
        helper.make_node("Gemm", [inp, f"{prefix}_W1", f"{prefix}_b1"], [f"{prefix}_h0"]),
        helper.make_node("Tanh", [f"{prefix}_h0"], [f"{prefix}_h"]),
        helper.make_node("Gemm", [f"{prefix}_h", f"{prefix}_W2", f"{prefix}_b2"], [f"{prefix}_z"]),
        helper.make_node("Sigmoid", [f"{prefix}_z"], [out]),
    ]
    return nodes, inits


def export(qbag, pparams, version: str, n_quality: int, n_presence: int) -> bytes:
    """Two heads in one graph: `quality` → `quality_prob` (the mean of the bag's nets), `presence` →
    `presence_prob`."""
    import onnx
    from onnx import TensorProto, helper

    qn, qi = [], []
    for k, params in enumerate(qbag):
        nodes, inits = _head(f"q{k}", "quality", f"quality_prob{k}", params)
        qn, qi = qn + nodes, qi + inits
    qn.append(helper.make_node("Mean", [f"quality_prob{k}" for k in range(len(qbag))], ["quality_prob"]))
    pn, pi = _head("p", "presence", "presence_prob", pparams)
    graph = helper.make_graph(
        qn + pn, "returns_desk_gate",
        [helper.make_tensor_value_info("quality", TensorProto.FLOAT, ["N", n_quality]),
         helper.make_tensor_value_info("presence", TensorProto.FLOAT, ["N", n_presence])],
        [helper.make_tensor_value_info("quality_prob", TensorProto.FLOAT, ["N", qbag[0][2].shape[1]]),
         helper.make_tensor_value_info("presence_prob", TensorProto.FLOAT, ["N", pparams[2].shape[1]])],
        qi + pi,
    )
    model = helper.make_model(graph, producer_name="returns-desk", producer_version=version,
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()
