"""Print the API's OpenAPI document (`make openapi` writes it to functions/api/openapi.json).

The committed document is what clients and reviewers read; tests/unit/test_openapi.py fails when the
routes drift from it, so a change to the API is always a visible change to the document.
"""

from __future__ import annotations

import json
import sys

from skylabel import __version__


def document() -> str:
    from skylabel_api.handler import app

    schema = app.get_openapi_json_schema(title="Skylabel API", version=__version__,
                                         description="Label Studio-compatible REST API of Skylabel.")
    return json.dumps(json.loads(schema), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(document())
