"""Label Studio's labeling configuration (XML): safe parsing and what the rest of the domain needs from it."""

from skylabel.labeling_config.parse import DEFAULT_CONFIG, LabelConfig, parse_label_config

__all__ = ["DEFAULT_CONFIG", "LabelConfig", "parse_label_config"]
