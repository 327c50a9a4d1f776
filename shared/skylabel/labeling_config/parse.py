"""Parse a labeling config safely and describe it: object tags, control tags, labels, required data keys.

The XML comes from users, so lxml parses it with entities, DTDs and network access all off. A tag is a
*control* when it has `toName`, an *object* when it has a `$variable` value: that is the structural rule
Label Studio's own parser applies, and it keeps working for tags this module has never heard of.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from lxml import etree

from skylabel.errors import Invalid

DEFAULT_CONFIG = "<View></View>"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
    remove_comments=True,
)
_LABEL_CHILDREN = {"Label", "Choice", "Taxonomy", "Path"}


@dataclass(frozen=True)
class LabelConfig:
    xml: str
    objects: dict[str, dict] = field(default_factory=dict)  # name -> {"type", "value", "valueType"}
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

    def control_weights(self) -> dict:
        return {
            name: {"overall": 1.0, "type": c["type"], "labels": {label: 1.0 for label in c["labels"]}}
            for name, c in self.controls.items()
        }

    def missing_keys(self, data: dict) -> list[str]:
        return [key for key in self.data_keys if key not in data]


def _error(message: str) -> Invalid:
    return Invalid(message, {"label_config": [message]})


@lru_cache(maxsize=256)
def parse_label_config(xml: str | None) -> LabelConfig:
    """Parse and statically validate; raises Invalid with Label Studio's wording for broken references."""
    xml = (xml or "").strip() or DEFAULT_CONFIG
    try:
        root = etree.fromstring(xml.encode(), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise _error(f"Label config is not valid XML: {exc}") from None
    if root.tag != "View":
        raise _error(f"The root tag must be <View>, not <{root.tag}>.")
    objects: dict[str, dict] = {}
    controls: dict[str, dict] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name, value, to_name = el.get("name"), el.get("value") or "", el.get("toName")
        if to_name is not None:
            if not name:
                raise _error(f"<{el.tag}> needs a name attribute.")
            controls[name] = {
                "type": el.tag,
                "to_name": [n.strip() for n in to_name.split(",") if n.strip()],
                "inputs": [],
                "labels": [],
                "labels_attrs": {},
            }
            for child in el.iter():
                if child is not el and isinstance(child.tag, str) and child.tag in _LABEL_CHILDREN:
                    label = child.get("value") or child.get("alias")
                    if label is not None:
                        controls[name]["labels"].append(label)
                        controls[name]["labels_attrs"][label] = dict(child.attrib)
        elif name and value.startswith("$"):
            objects[name] = {"type": el.tag, "value": value[1:], "valueType": el.get("valueType")}
    names = sorted(set(objects) | set(controls))
    for control in controls.values():
        for target in control["to_name"]:
            if target not in objects and target not in controls:
                raise _error(f'toName="{target}" not found in names: {names}')
            obj = objects.get(target)
            if obj:
                control["inputs"].append({"type": obj["type"], "valueType": obj["valueType"], "value": obj["value"]})
    return LabelConfig(xml=xml, objects=objects, controls=controls)
