"""Label config parsing: what the domain reads from it, and that hostile XML is inert."""

import pytest

from skylabel.errors import Invalid
from skylabel.labeling_config import parse_label_config

CONFIG = (
    '<View><Image name="img" value="$image"/><Text name="caption" value="$text"/>'
    '<RectangleLabels name="box" toName="img"><Label value="Car"/><Label value="Person" background="red"/>'
    "</RectangleLabels><Choices name=\"quality\" toName=\"img,caption\"><Choice value=\"Good\"/></Choices></View>"
)


def test_describes_objects_controls_and_data_keys():
    config = parse_label_config(CONFIG)
    assert config.data_keys == ["image", "text"]
    assert config.parsed["box"]["labels"] == ["Car", "Person"]
    assert config.parsed["box"]["labels_attrs"]["Person"] == {"value": "Person", "background": "red"}
    assert config.parsed["quality"]["to_name"] == ["img", "caption"]
    assert [i["value"] for i in config.parsed["quality"]["inputs"]] == ["image", "text"]
    assert config.missing_keys({"image": "x"}) == ["text"]


def test_unknown_to_name_is_refused_with_label_studio_wording():
    with pytest.raises(Invalid) as err:
        parse_label_config('<View><Text name="t" value="$t"/><Choices name="c" toName="missing"/></View>')
    assert err.value.message == "toName=\"missing\" not found in names: ['c', 't']"


@pytest.mark.parametrize("xml", ["<View>", "not xml", "<Other/>"])
def test_broken_xml_is_a_400_not_a_crash(xml):
    with pytest.raises(Invalid):
        parse_label_config(xml)


def test_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<View><Header value="&x;"/><Text name="t" value="$t"/></View>')
    try:
        config = parse_label_config(xxe)
    except Invalid:
        return  # refusing the document is fine too
    assert "TOP-SECRET" not in config.xml + str(config.parsed) + str(config.objects)


def test_billion_laughs_does_not_expand():
    bomb = ('<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><View><Header value="&c;"/></View>')
    try:
        config = parse_label_config(bomb)
    except Invalid:
        return
    assert "aaaaaaaaaa" * 10 not in str(config.objects)
