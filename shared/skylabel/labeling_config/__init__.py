"""Label Studio's labeling configuration (XML): parsed safely, validated against the tag catalogue, described.

`parse_label_config(xml)` is the one entry point: it refuses broken configs with `Invalid` (a 400 naming
the problem) and returns the immutable `LabelConfig` description, cached per distinct config string.
"""

from functools import lru_cache

from skylabel.labeling_config.describe import LabelConfig
from skylabel.labeling_config.parse import DEFAULT_CONFIG, parse_xml


@lru_cache(maxsize=256)
def parse_label_config(xml: str | None) -> LabelConfig:
    from skylabel.labeling_config.validate import describe

    text = (xml or "").strip() or DEFAULT_CONFIG
    return describe(text, parse_xml(text))


__all__ = ["DEFAULT_CONFIG", "LabelConfig", "parse_label_config"]
