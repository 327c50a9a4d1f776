"""The uncertainty index keys: text order is score order, and only unlabeled tasks with predictions are in it."""

from __future__ import annotations

import random

from skylabel import keys
from skylabel.ml.sampling import NO_SCORE, sortable_score, uncertainty_keys
from skylabel.tasks.state import task_counters


def test_sortable_scores_sort_like_the_numbers():
    scores = [-1e9, -2.5, -0.0001, 0.0, 1e-12, 0.2, 0.5, 0.50001, 1.0, 7, 1e300]
    shuffled = scores[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=sortable_score) == scores
    assert all(len(sortable_score(s)) == 16 for s in scores)


def test_missing_or_odd_scores_sort_after_every_number():
    for odd in (None, "0.3", float("nan"), float("inf"), True):
        assert sortable_score(odd) == NO_SCORE
        assert sortable_score(odd) > sortable_score(1e308)


def test_only_unlabeled_tasks_with_predictions_are_indexed_by_their_newest_score():
    task = {"id": 42, "project": 7}
    predictions = [{"id": 1, "score": 0.1}, {"id": 5, "score": 0.8}]
    assert uncertainty_keys(task, False, predictions) == {
        "gsi2pk": keys.project_uncertain(7), "gsi2sk": f"{sortable_score(0.8)}#{keys.pad(42)}"}
    assert uncertainty_keys(task, True, predictions) == {"gsi2pk": None, "gsi2sk": None}
    assert uncertainty_keys(task, False, []) == {"gsi2pk": None, "gsi2sk": None}


def test_the_index_moves_with_the_task_counters():
    task = {"id": 3, "project": 1, "overlap": 1}
    prediction = [{"id": 9, "score": 0.4}]
    assert task_counters(task, [], prediction)["gsi2pk"] == keys.project_uncertain(1)
    labeled = task_counters(task, [{"id": 1, "completed_by": 2}], prediction)
    assert labeled["is_labeled"] and labeled["gsi2pk"] is None
