"""Which controls and labels a project's annotations use, and whether a new config still fits them.

Counting follows Label Studio's project summary: each result counts once under
`from_name|to_name|type`, and each label value it carries once under its control. The counts are kept
current with `add` deltas in the same transaction as the annotation write, so checking a config change
reads one item instead of scanning every annotation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from skylabel.errors import Invalid
from skylabel.labeling_config.describe import LabelConfig

RESULT_PREFIX = "r:"  # r:<from_name>|<to_name>|<type> -> results
LABEL_PREFIX = "l:"  # l:<from_name>|<label> -> results carrying that label


def _labels(result: dict) -> list[str]:
    kind = result.get("type")
    if kind == "videorectangle":
        kind = "labels"
    value = (result.get("value") or {}).get(kind) if isinstance(result.get("value"), dict) else None
    if not value or not isinstance(value, list) or kind in ("text", "textarea"):
        return []
    out = []
    for label in value:
        if kind == "taxonomy" and isinstance(label, list):
            out += [str(part) for part in label]
        else:
            out.append(str(label))
    return out


def usage(results: Iterable[dict]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for result in results:
        if not isinstance(result, dict) or result.get("type") in ("relation", "pairwise", None):
            continue
        if "from_name" not in result or "to_name" not in result:
            continue
        counts[f"{RESULT_PREFIX}{result['from_name']}|{result['to_name']}|{result['type']}"] += 1
        for label in _labels(result):
            counts[f"{LABEL_PREFIX}{result['from_name']}|{label}"] += 1
    return counts


def annotation_usage(annotations: Iterable[dict]) -> Counter[str]:
    total: Counter[str] = Counter()
    for annotation in annotations:
        results = annotation.get("result")
        if isinstance(results, list):
            total.update(usage(results))
    return total


def check_compatible(config: LabelConfig, counts: dict[str, int]) -> None:
    """Refuse a config that drops a control or a label existing annotations use (adding is always fine)."""
    removed_controls: dict[str, int] = {}
    removed_labels: dict[str, dict[str, int]] = {}
    for key, count in counts.items():
        if count <= 0:
            continue
        if key.startswith(RESULT_PREFIX):
            from_name, _to_name, kind = key[len(RESULT_PREFIX):].split("|", 2)
            if from_name not in config.controls and kind.lower() != "textarea":
                removed_controls[from_name] = removed_controls.get(from_name, 0) + count
        elif key.startswith(LABEL_PREFIX):
            from_name, label = key[len(LABEL_PREFIX):].split("|", 1)
            control = config.controls.get(from_name)
            if control is None:
                removed_controls.setdefault(from_name, count)
            elif _has_fixed_labels(control) and label not in control["labels"]:
                removed_labels.setdefault(from_name, {})[label] = count
    problems = [f'There are {n} annotation(s) created with tag "{name}", you can\'t remove it'
                for name, n in sorted(removed_controls.items())]
    for name, labels in sorted(removed_labels.items()):
        listed = "".join(f"{label} ({n} annotation{'s' if n > 1 else ''})\n" for label, n in sorted(labels.items()))
        problems.append(f"These labels still exist in annotations or drafts:\n{listed}"
                        f'Please add labels to tag with name="{name}".')
    if problems:
        message = "\n".join(problems)
        raise Invalid(message, {"label_config": problems})


def _has_fixed_labels(control: dict) -> bool:
    """Controls whose labels come from the data or are free-form cannot lose a label by a config edit."""
    return bool(control["labels"]) and control["type"] not in ("Taxonomy", "VideoRectangle") and not control.get(
        "dynamic")
