"""A big export reaches the SDK through a redirect to the stored file, which both clients follow."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e
CONFIG = ('<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/>'
          '<Choice value="B"/></Choices></View>')
RESULT = [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["A"]}}]


def test_export_over_the_inline_limit_redirects_and_both_clients_follow(api, e2e_target):
    from label_studio_sdk import LabelStudio
    from label_studio_sdk._legacy import Client

    url = e2e_target.base_url
    project = api.post(f"{url}/api/projects", json={"title": "Big export", "label_config": CONFIG}, timeout=10).json()
    try:
        text = "word " * 100
        tasks = [{"data": {"text": f"{i} {text}"}, "annotations": [{"result": RESULT}]} for i in range(9000)]
        assert api.post(f"{url}/api/projects/{project['id']}/import", json=tasks, timeout=60).status_code == 201
        raw = api.get(f"{url}/api/projects/{project['id']}/export", params={"exportType": "JSON"},
                      allow_redirects=False, timeout=60)
        assert raw.status_code == 302 and "/local-blob/" in raw.headers["Location"]
        legacy = Client(url=url, api_key=e2e_target.token).get_project(project["id"]).export_tasks()
        assert len(legacy) == 9000 and legacy[0]["annotations"][0]["result"] == RESULT
        exported = LabelStudio(base_url=url, api_key=e2e_target.token).projects.exports.as_json(project["id"])
        assert len(exported) == 9000
    finally:
        api.delete(f"{url}/api/projects/{project['id']}", timeout=60)
