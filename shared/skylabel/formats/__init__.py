"""Export formats by Label Studio's name: `FORMATS` maps each `exportType` to its `ExportFormat`.

One module per format (the contract is `skylabel.formats.base`); this registry is the single list the export
job, the API (`export/formats`, unknown-format 400s) and `skylabel convert` read. Keep it one line per format.
"""

from __future__ import annotations

from skylabel.errors import Invalid
from skylabel.formats import brush, coco, voc, yolo
from skylabel.formats.base import ExportFormat
from skylabel.formats.conll import CONLL2003
from skylabel.formats.csv_format import CSV, TSV
from skylabel.formats.json_format import JSON
from skylabel.formats.json_min import JSON_MIN

FORMATS: dict[str, ExportFormat] = {
    "JSON": JSON,
    "JSON_MIN": JSON_MIN,
    "CSV": CSV,
    "TSV": TSV,
    "CONLL2003": CONLL2003,
    **coco.FORMATS,
    **voc.FORMATS,
    **yolo.FORMATS,
    **brush.FORMATS,
}


def get_format(name: str) -> ExportFormat:
    """The format called `name` (Label Studio's spelling, e.g. "JSON_MIN"); `Invalid` (400) names the valid ones."""
    fmt = FORMATS.get(name)
    if fmt is None:
        message = f"Unknown export format {name!r}; valid formats: {', '.join(FORMATS)}."
        raise Invalid(message, {"export_type": [message]})
    return fmt


__all__ = ["FORMATS", "ExportFormat", "get_format"]
