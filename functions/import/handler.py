"""The import Lambda: S3 ObjectCreated → SQS → here → tasks. Thin: the domain does the work.

Load this file by path (`import` is a Python keyword, so the folder is not a package name).
"""

from __future__ import annotations

from skylabel.imports.events import handle_sqs_event
from skylabel.wiring import context_from_env

_context = None


def lambda_handler(event: dict, context: object) -> dict:
    global _context
    if _context is None:
        _context = context_from_env()
    return handle_sqs_event(_context, event)
