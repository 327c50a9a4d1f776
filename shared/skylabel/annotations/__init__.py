"""Annotations and predictions: results attached to a task, written with the task's counters."""
