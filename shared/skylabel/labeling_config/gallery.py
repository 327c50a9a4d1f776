"""The template gallery: ready labeling configs, each with a title, a group and one sample task.

The templates are package data under `templates/`: `index.json` lists them in gallery order
(`slug`, `title`, `group`, `description`, `tags`) and each `<slug>/` folder holds `config.xml` and
`sample.json` (the `data` of one task that carries every `$variable` the config reads). They are read
once per process through importlib.resources, so this works from a wheel or a zip as well as a checkout.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib.resources import files

from skylabel.errors import NotFound

_PACKAGE = "skylabel.labeling_config"
_FOLDER = "templates"


@lru_cache(maxsize=1)
def _gallery() -> tuple[dict, ...]:
    root = files(_PACKAGE) / _FOLDER
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    templates = []
    for entry in index:
        folder = root / entry["slug"]
        templates.append({
            **entry,
            "config": (folder / "config.xml").read_text(encoding="utf-8"),
            "sample": json.loads((folder / "sample.json").read_text(encoding="utf-8")),
        })
    return tuple(templates)


def list_templates() -> list[dict]:
    """Every template in gallery order: the index entry plus `config` (XML string) and `sample` (task data)."""
    return copy.deepcopy(list(_gallery()))  # copies, so a caller cannot alter the cached gallery


def get_template(slug: str) -> dict:
    """One template by slug; NotFound for a slug the gallery does not have."""
    for template in _gallery():
        if template["slug"] == slug:
            return copy.deepcopy(template)
    raise NotFound(f'No template with slug "{slug}".')
