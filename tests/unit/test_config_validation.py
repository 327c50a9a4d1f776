"""Broken labeling configs: each refused with a 400 whose message names the problem, quickly."""

from __future__ import annotations

import pytest

from skylabel.errors import Invalid
from skylabel.labeling_config import parse_label_config

TEXT = '<Text name="text" value="$text"/>'
IMAGE = '<Image name="img" value="$image"/>'

BROKEN = {
    "unclosed tag": (f"<View>{TEXT}<Choices name='c' toName='text'>", "not valid XML"),
    "unknown tag with suggestion": (f'<View>{IMAGE}<RectangleLabel name="b" toName="img"/></View>',
                                    "did you mean <RectangleLabels>?"),
    "duplicate name": (f'<View>{TEXT}<Choices name="text" toName="text"><Choice value="A"/></Choices></View>',
                       'The name "text" is used twice'),
    "dangling toName": (f'<View>{TEXT}<Choices name="c" toName="missing"><Choice value="A"/></Choices></View>',
                        'toName="missing" not found in names'),
    "labels on an image": (f'<View>{IMAGE}<Labels name="l" toName="img"><Label value="A"/></Labels></View>',
                           "cannot label <Image"),
    "missing value on object": ('<View><Text name="text"/></View>', 'needs a "value" attribute'),
    "missing toName": (f'<View>{TEXT}<Choices name="c"><Choice value="A"/></Choices></View>',
                       'needs a "toName" attribute'),
    "label without value": (f'<View>{TEXT}<Choices name="c" toName="text"><Choice/></Choices></View>',
                            'needs a "value" attribute'),
    "root is not View": (f"<Other>{TEXT}</Other>", "root tag must be <View>"),
    "visibleWhen on an unknown tag": (
        f'<View>{TEXT}<Choices name="c" toName="text"><Choice value="A"/></Choices>'
        '<TextArea name="why" toName="text" visibleWhen="choice-selected" whenTagName="nope"/></View>',
        'whenTagName="nope"'),
    "visibleWhen on an unknown choice": (
        f'<View>{TEXT}<Choices name="c" toName="text"><Choice value="A"/></Choices>'
        '<TextArea name="why" toName="text" visibleWhen="choice-selected" whenTagName="c" '
        'whenChoiceValue="B"/></View>', '"B" is not a label of "c"'),
    "XXE": ('<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            f'<View><Header value="&x;"/>{TEXT}</View>', "DOCTYPE and ENTITY declarations are not allowed"),
    "entity bomb": ('<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                    '<View><Header value="&b;"/></View>', "DOCTYPE and ENTITY declarations are not allowed"),
    "5 MB config": ("<View>" + "<Header value='x'/>" * 300_000 + "</View>", "the limit is 2 MB"),
    "1,000-deep nesting": ("<View>" * 1000 + "</View>" * 1000, "nested too deeply"),
}


@pytest.mark.parametrize("xml,expected", BROKEN.values(), ids=list(BROKEN))
def test_broken_config_is_refused_with_a_message_that_names_the_problem(xml, expected):
    with pytest.raises(Invalid) as err:
        parse_label_config(xml)
    assert expected in err.value.message
    assert err.value.details == {"label_config": [err.value.message]}


def test_tag_names_match_case_insensitively_as_in_the_editor():
    config = parse_label_config('<View><text name="t" value="$t"/><choices name="c" toName="t">'
                                '<choice value="A"/></choices></View>')
    assert config.data_keys == ["t"] and config.labels("c") == ["A"]


def test_export_formats_follow_the_converter_rules():
    ner = parse_label_config(f'<View>{TEXT}<Labels name="l" toName="text"><Label value="PER"/></Labels></View>')
    assert "CONLL2003" in ner.export_formats and "COCO" not in ner.export_formats
    boxes = parse_label_config(f'<View>{IMAGE}<RectangleLabels name="b" toName="img"><Label value="Car"/>'
                               "</RectangleLabels></View>")
    assert {"COCO", "YOLO", "VOC", "YOLO_OBB"} <= set(boxes.export_formats)
    two_keys = parse_label_config(f'<View>{IMAGE}{TEXT}<Choices name="c" toName="img"><Choice value="A"/>'
                                  "</Choices></View>")
    assert two_keys.export_formats == ["JSON", "JSON_MIN", "CSV", "TSV"]
