"""Drafts: a user's unsubmitted work on a task or on one of its annotations (Label Studio's AnnotationDraft)."""
