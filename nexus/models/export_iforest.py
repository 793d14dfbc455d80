"""IsolationForest to a compact ONNX graph: one tree ensemble instead of one graph branch per tree.

skl2onnx converts an IsolationForest into one TreeEnsembleRegressor per
tree plus ~27 elementwise operators per tree, each materialising a full
batch tensor; on a 100-tree forest that runs at ~80k rows/s on one core.
But an isolation tree's contribution is a constant per leaf: the leaf's
depth plus c(n), the average path length of an unbuilt subtree over the n
training samples that reached the leaf. So the forest's expected path
length E[h(x)] is a *sum of leaf values* — a single TreeEnsembleRegressor —
and scikit-learn's ``decision_function`` is then

    -2 ** (-E[h(x)] / c(max_samples)) - offset_

(``E`` here sums over trees, so the exponent divides by the tree count too).
Same numbers as scikit-learn up to float32 thresholds, an order of magnitude
faster.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nexus.errors import ModelError

EULER_GAMMA = 0.5772156649015329


def average_path_length(n: np.ndarray) -> np.ndarray:
    """c(n): the average path length of an unsuccessful BST search over n points (Liu et al.)."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    two = n == 2
    big = n > 2
    out[two] = 1.0
    nb = n[big]
    out[big] = 2.0 * (np.log(nb - 1.0) + EULER_GAMMA) - 2.0 * (nb - 1.0) / nb
    return out


def _leaf_values(tree) -> tuple[np.ndarray, np.ndarray]:
    """(depth of every node, leaf value depth + c(n_node_samples)) for a fitted sklearn tree."""
    left, right = tree.children_left, tree.children_right
    depth = np.zeros(tree.node_count, dtype=np.float64)
    stack = [0]
    while stack:
        i = stack.pop()
        for child in (left[i], right[i]):
            if child != -1:
                depth[child] = depth[i] + 1.0
                stack.append(child)
    return depth, depth + average_path_length(tree.n_node_samples)


def export_isolation_forest(model: Any, n_features: int) -> tuple[bytes, str]:
    """ONNX bytes computing ``model.decision_function`` as one tree ensemble; output ``scores`` [N, 1]."""
    from onnx import TensorProto, helper

    if type(model).__name__ != "IsolationForest" or not hasattr(model, "estimators_"):
        raise ModelError("export_isolation_forest takes a fitted sklearn IsolationForest")
    tree_ids, node_ids, feat, thr, modes, true_ids, false_ids = [], [], [], [], [], [], []
    t_tree, t_node, t_weight = [], [], []
    for t, (est, features) in enumerate(zip(model.estimators_, model.estimators_features_)):
        tree = est.tree_
        _, leaf_value = _leaf_values(tree)
        for i in range(tree.node_count):
            tree_ids.append(t)
            node_ids.append(i)
            if tree.children_left[i] == -1:
                modes.append("LEAF")
                feat.append(0)
                thr.append(0.0)
                true_ids.append(0)
                false_ids.append(0)
                t_tree.append(t)
                t_node.append(i)
                t_weight.append(float(leaf_value[i]))
            else:
                modes.append("BRANCH_LEQ")  # sklearn sends x[f] <= threshold to the left child
                feat.append(int(features[tree.feature[i]]))
                thr.append(float(tree.threshold[i]))
                true_ids.append(int(tree.children_left[i]))
                false_ids.append(int(tree.children_right[i]))
    n_trees = len(model.estimators_)
    denom = n_trees * float(average_path_length(np.array([model._max_samples]))[0])
    ensemble = helper.make_node(
        "TreeEnsembleRegressor", ["X"], ["path_sum"], domain="ai.onnx.ml", n_targets=1,
        nodes_treeids=tree_ids, nodes_nodeids=node_ids, nodes_featureids=feat, nodes_values=thr,
        nodes_modes=modes, nodes_truenodeids=true_ids, nodes_falsenodeids=false_ids,
        nodes_missing_value_tracks_true=[0] * len(tree_ids),
        target_treeids=t_tree, target_nodeids=t_node, target_ids=[0] * len(t_tree), target_weights=t_weight,
        aggregate_function="SUM", post_transform="NONE",
    )
    consts = [
        helper.make_tensor("neg_inv_denom", TensorProto.FLOAT, [], [-1.0 / denom if denom else 0.0]),
        helper.make_tensor("two", TensorProto.FLOAT, [], [2.0]),
        helper.make_tensor("offset", TensorProto.FLOAT, [], [float(model.offset_)]),
    ]
    nodes = [
        ensemble,
        helper.make_node("Mul", ["path_sum", "neg_inv_denom"], ["exponent"]),
        helper.make_node("Pow", ["two", "exponent"], ["anomaly"]),
        helper.make_node("Neg", ["anomaly"], ["score_samples"]),
        helper.make_node("Sub", ["score_samples", "offset"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes, "isolation_forest",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, int(n_features)])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, 1])],
        initializer=consts,
    )
    onx = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
                            producer_name="nexus", ir_version=9)  # IR 9 = ONNX 1.15, read by every onnxruntime we support
    return onx.SerializeToString(), "scores"
