"""Parse a labeling config safely: lxml with entities, DTDs and network off, and bounds on size and depth.

The XML comes from users. A DOCTYPE is refused outright — a labeling config never needs one, and that
closes XXE and entity-expansion ("billion laughs") attacks before any expansion could happen. Size and
nesting are bounded so a hostile config costs milliseconds, not memory.
"""

from __future__ import annotations

from lxml import etree

from skylabel.errors import Invalid

MAX_CONFIG_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 100
DEFAULT_CONFIG = "<View></View>"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
    remove_comments=True, remove_pis=True,
)


def config_error(message: str) -> Invalid:
    """Label Studio answers config problems under the `label_config` field."""
    return Invalid(message, {"label_config": [message]})


def parse_xml(xml: str) -> etree._Element:
    size = len(xml.encode())
    if size > MAX_CONFIG_BYTES:
        raise config_error(f"The labeling config is {size / 1024 / 1024:.1f} MB; the limit is "
                           f"{MAX_CONFIG_BYTES // 1024 // 1024} MB. Move large lists (e.g. taxonomies) out of it.")
    if "<!DOCTYPE" in xml or "<!ENTITY" in xml:
        raise config_error("DOCTYPE and ENTITY declarations are not allowed in a labeling config; remove them.")
    try:
        root = etree.fromstring(xml.encode(), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise config_error(f"The labeling config is nested too deeply; keep it under {MAX_DEPTH} levels.") from None
        raise config_error(f"Label config is not valid XML: {exc}") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise config_error("DOCTYPE and ENTITY declarations are not allowed in a labeling config; remove them.")
    _check_depth(root)
    return root


def _check_depth(root: etree._Element) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise config_error(f"The labeling config is nested too deeply; keep it under {MAX_DEPTH} levels.")
        stack.extend((child, depth + 1) for child in element if isinstance(child.tag, str))
