"""Static validation of a parsed config against the tag catalogue, and its description.

Rules, each answered with a message that names the tag, its line and the fix: the root is <View>; every
tag is known (a typo gets the nearest known name — Label Studio lets unknown tags through and its editor
then fails); required attributes are present; names are unique; every `toName` names an object tag the
control can label; labels sit inside a control that takes them; `visibleWhen`/`whenTagName` point at
real tags and labels. Tag names match case-insensitively, as the Label Studio editor does.
"""

from __future__ import annotations

from lxml import etree

from skylabel.labeling_config.catalogue import TAGS, TagSpec, suggest
from skylabel.labeling_config.describe import LabelConfig
from skylabel.labeling_config.parse import config_error

_BY_LOWER = {name.lower(): spec for name, spec in TAGS.items()}
_LABEL_TAGS = {"Label", "Choice", "Relation", "Path"}
# Plain <Labels> on visual media only names classes; a drawing tool on the same object makes the regions.
_TOOLS = {"Image": {"Rectangle", "Polygon", "KeyPoint", "Ellipse", "Brush", "Vector", "Bitmask", "MagicWand"},
          "Video": {"VideoRectangle"}}


def spec_of(element: etree._Element) -> TagSpec:
    spec = _BY_LOWER.get(element.tag.lower())
    if spec is None:
        hint = suggest(element.tag)
        fix = f"; did you mean <{hint}>?" if hint else "; see the template gallery for the tags Skylabel knows."
        raise config_error(f"Unknown tag <{element.tag}> at line {element.sourceline}{fix}")
    return spec


def _where(element: etree._Element) -> str:
    name = element.get("name")
    return f'<{element.tag}{f" name={chr(34)}{name}{chr(34)}" if name else ""}> at line {element.sourceline}'


def describe(xml: str, root: etree._Element) -> LabelConfig:
    if root.tag.lower() != "view":
        raise config_error(f"The root tag must be <View>, not <{root.tag}>.")
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    specs = {el: spec_of(el) for el in elements}
    names: dict[str, etree._Element] = {}
    for el in elements:
        spec = specs[el]
        for attribute in spec.required:
            if not el.get(attribute):
                raise config_error(f'{_where(el)} needs a "{attribute}" attribute.')
        name = el.get("name")
        if name and spec.kind in ("object", "control"):
            if name in names:
                raise config_error(f'The name "{name}" is used twice (lines {names[name].sourceline} and '
                                   f"{el.sourceline}); every tag name must be unique.")
            names[name] = el
        if spec.kind == "child" and spec.parents:
            parent = next((p for p in el.iterancestors() if specs.get(p) and specs[p].kind != "visual"), None)
            allowed = {p.lower() for p in spec.parents}
            if parent is None or parent.tag.lower() not in allowed:
                raise config_error(f"{_where(el)} must sit inside one of: {', '.join(spec.parents)}.")
    objects = {n: el for n, el in names.items() if specs[el].kind == "object"}
    controls = {n: el for n, el in names.items() if specs[el].kind == "control"}
    parsed = {name: _control(el, specs[el], objects, controls, names) for name, el in controls.items()}
    _check_label_tools(parsed, objects)
    _check_conditions(elements, names, parsed)
    described = {name: _object(el) for name, el in objects.items()}
    for entry in parsed.values():
        entry["inputs"] = [{"type": described[t]["type"], "valueType": described[t]["valueType"],
                            "value": described[t]["value"]} for t in entry["to_name"] if t in described]
    return LabelConfig(xml=xml, objects=described, controls=parsed)


def _object(el: etree._Element) -> dict:
    value = el.get("value") or el.get("valueList") or ""
    key = value[1:] if value.startswith("$") else ""
    return {"type": canonical(el.tag), "value": key, "valueType": el.get("valueType"),
            "valueList": bool(el.get("valueList"))}


def canonical(tag: str) -> str:
    """The catalogue's spelling of a tag name matched case-insensitively."""
    spec = _BY_LOWER.get(tag.lower())
    return spec.name if spec else tag


def _control(el: etree._Element, spec: TagSpec, objects: dict, controls: dict, names: dict) -> dict:
    targets = [t.strip() for t in (el.get("toName") or "").split(",") if t.strip()]
    for target in targets:
        if target not in names:
            raise config_error(f'toName="{target}" not found in names: {sorted(names)}')
        target_el = names[target]
        if target in objects and spec.objects and canonical(target_el.tag) not in spec.objects:
            raise config_error(f"{_where(el)} cannot label <{target_el.tag} name=\"{target}\">; "
                               f"{spec.name} works with: {', '.join(spec.objects)}.")
        if target not in objects and target not in controls:
            raise config_error(f'{_where(el)}: toName="{target}" must name an object tag (Text, Image, ...).')
    labels: list[str] = []
    attrs: dict[str, dict] = {}
    for child in el.iter():
        if child is el or not isinstance(child.tag, str) or canonical(child.tag) not in _LABEL_TAGS:
            continue
        label = child.get("alias") or child.get("value")  # results carry the alias when there is one
        if label is None:
            raise config_error(f'{_where(child)} needs a "value" attribute.')
        if label not in attrs:
            labels.append(label)
        attrs[label] = dict(child.attrib)
    entry = {"type": spec.name if el.tag.lower() == spec.name.lower() else el.tag, "to_name": targets,
             "inputs": [], "labels": labels, "labels_attrs": attrs}
    if (el.get("value") or "").startswith("$"):
        entry["dynamic"] = True  # labels come from the task data
    return entry


def _check_label_tools(parsed: dict, objects: dict) -> None:
    for name, control in parsed.items():
        if canonical(control["type"]) != "Labels":
            continue
        for target in control["to_name"]:
            kind = canonical(objects[target].tag) if target in objects else None
            tools = _TOOLS.get(kind or "")
            if tools and not any(canonical(c["type"]) in tools and target in c["to_name"] for c in parsed.values()):
                raise config_error(
                    f'<Labels name="{name}"> cannot label <{kind} name="{target}"> by itself: add a drawing tool '
                    f"({', '.join(sorted(tools))}) with toName=\"{target}\", or use the {kind}'s own labels tag "
                    f"(e.g. RectangleLabels).")


def _check_conditions(elements: list, names: dict, parsed: dict) -> None:
    for el in elements:
        target = el.get("whenTagName")
        if target is None:
            continue
        if target not in names:
            raise config_error(f'{_where(el)}: whenTagName="{target}" is not the name of any tag.')
        wanted = el.get("whenLabelValue") or el.get("whenChoiceValue")
        known = parsed.get(target, {}).get("labels")
        if wanted and known and not parsed[target].get("dynamic"):
            for value in (v.strip() for v in wanted.split(",")):
                if value and value not in known:
                    raise config_error(f'{_where(el)}: "{value}" is not a label of "{target}" '
                                       f"(its labels: {', '.join(known)}).")
