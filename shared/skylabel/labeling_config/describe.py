"""What the rest of Skylabel reads from a labeling config: object tags and their data keys, control tags
with their labels (Label Studio's `parsed_label_config`), and which export formats apply.

Built once per distinct config string (cached by `parse_label_config`), so importing 100,000 tasks asks
the same immutable description for its data keys 100,000 times at no cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

ALWAYS_FORMATS = ("JSON", "JSON_MIN", "CSV", "TSV")
_DETECTION = {"RectangleLabels", "PolygonLabels", "KeyPointLabels"}
_SHAPES = {"Rectangle", "Polygon", "KeyPoint"}


@dataclass(frozen=True)
class LabelConfig:
    xml: str
    objects: dict[str, dict] = field(default_factory=dict)  # name -> {"type", "value", "valueType", "valueList"}
    controls: dict[str, dict] = field(default_factory=dict)  # name -> parsed_label_config entry

    @cached_property
    def data_keys(self) -> list[str]:
        """Task data keys the config reads (`value="$text"` → "text"), in document order."""
        seen: list[str] = []
        for obj in self.objects.values():
            key = obj["value"]
            if key and key not in seen:
                seen.append(key)
        return seen

    @property
    def parsed(self) -> dict:
        return self.controls

    def missing_keys(self, data: dict) -> list[str]:
        return [key for key in self.data_keys if key not in data]

    def labels(self, control: str) -> list[str]:
        return list(self.controls.get(control, {}).get("labels", []))

    def control_weights(self) -> dict:
        return {
            name: {"overall": 1.0, "type": c["type"], "labels": {label: 1.0 for label in c["labels"]}}
            for name, c in self.controls.items()
        }

    @cached_property
    def export_formats(self) -> list[str]:
        """Formats Label Studio's converter enables for this config (reference/export_formats.md §3)."""
        controls = {c["type"] for c in self.controls.values()}
        objects = {o["type"] for o in self.objects.values()}
        if len(self.data_keys) > 1:
            return list(ALWAYS_FORMATS)
        formats = list(ALWAYS_FORMATS)
        single_image = "Image" in objects and not any(o.get("valueList") for o in self.objects.values())
        if "Text" in objects and "Labels" in controls:
            formats.append("CONLL2003")
        if single_image and (controls & _DETECTION or (controls & _SHAPES and "Labels" in controls)):
            keypoints_only = "KeyPointLabels" in controls and "RectangleLabels" not in controls
            if not keypoints_only:
                formats += ["COCO", "COCO_WITH_IMAGES", "YOLO", "YOLO_WITH_IMAGES"]
            formats += ["YOLO_OBB", "YOLO_OBB_WITH_IMAGES"]
        if single_image and ("RectangleLabels" in controls or {"Rectangle", "Labels"} <= controls):
            formats.append("VOC")
        if "Image" in objects and ("BrushLabels" in controls or {"Brush", "Labels"} <= controls):
            formats += ["BRUSH_TO_NUMPY", "BRUSH_TO_PNG", "BRUSH_TO_COCO"]
        if objects & {"Audio", "AudioPlus"} and "TextArea" in controls:
            formats.append("ASR_MANIFEST")
        return formats
