"""Exports in Label Studio's formats."""
