"""ML backends driven through the real `label-studio-sdk==2.1.2` against a running `skylabel start`, with a real
protocol backend on 127.0.0.1 (tests/mlbackend.py): connect, list, retrieve predictions for a project with the
Data Manager action the SDK uses, pre-annotate interactively, train, read versions, update and disconnect —
the calls a Label Studio user's script makes, unchanged."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from label_studio_sdk import LabelStudio

from tests.mlbackend import MLBackend

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:The `parse_obj` method is deprecated")]

CONFIG = ('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text" choice="single">'
          '<Choice value="Positive"/><Choice value="Negative"/></Choices></View>')
NER = ('<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>'
       '<Text name="text" value="$text"/></View>')


@pytest.fixture
def backend() -> Iterator[MLBackend]:
    server = MLBackend().start()
    yield server
    server.stop()


@pytest.fixture
def ls(e2e_target) -> LabelStudio:
    if not e2e_target.managed:
        pytest.skip("needs a backend on this machine's loopback, which only a local Skylabel may call")
    return LabelStudio(base_url=e2e_target.base_url, api_key=e2e_target.token)


def test_sdk_connects_a_backend_and_predicts_a_project(ls, backend):
    project = ls.projects.create(title="SDK ML", label_config=CONFIG)
    texts = ["I love it", "great stuff", "awful", "never again", "good value", "meh"]
    ls.projects.import_tasks(id=project.id, request=[{"text": t} for t in texts])

    model = ls.ml.create(url=backend.url, project=project.id, title="rules", is_interactive=False,
                         extra_params={"threshold": 0.5}, timeout=30)
    assert model.state == "CO" and model.model_version == "rule-v1"
    assert [m.id for m in ls.ml.list(project=project.id)] == [model.id]
    assert backend.calls("/setup")[0].body["extra_params"] == '{"threshold": 0.5}'

    ls.actions.create(id="retrieve_tasks_predictions", project=project.id,
                      selected_items={"all": True, "excluded": []})
    deadline = time.monotonic() + 30
    while True:
        tasks = list(ls.tasks.list(project=project.id, fields="all"))
        if all(t.total_predictions == 1 for t in tasks) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(tasks) == 6 and all(t.total_predictions == 1 for t in tasks)
    by_text = {t.data["text"]: t.predictions[0] for t in tasks}
    assert by_text["I love it"].model_version == "rule-v1" and by_text["I love it"].score == 0.9
    assert by_text["awful"].result[0]["value"] == {"choices": ["Negative"]}
    assert ls.projects.get(id=project.id).total_predictions_number == 6

    ls.ml.train(id=model.id)
    assert backend.calls("/webhook")[-1].body["action"] == "START_TRAINING"
    assert "rule-v1.1" in ls.ml.list_model_versions(id=model.id).versions
    ls.ml.update(id=model.id, title="renamed")
    assert ls.ml.get(id=model.id).title == "renamed"
    ls.ml.delete(id=model.id)
    assert list(ls.ml.list(project=project.id)) == []
    ls.projects.delete(id=project.id)


def test_sdk_interactive_pre_annotation(ls, backend, e2e_target):
    project = ls.projects.create(title="SDK interactive", label_config=NER)
    ls.projects.import_tasks(id=project.id, request=[{"text": "Apple hired Tim. Apple is big."}])
    task = list(ls.tasks.list(project=project.id))[0]
    model = ls.ml.create(url=backend.url, project=project.id, is_interactive=True)
    context = {"result": [{"id": "r1", "from_name": "label", "to_name": "text", "type": "labels",
                           "value": {"start": 0, "end": 5, "text": "Apple", "labels": ["ORG"]}}]}
    ls.ml.predict_interactive(id=model.id, task=task.id, context=context)  # the SDK discards the body
    sent = backend.calls("/predict")[-1].body
    assert sent["params"]["context"] == context and sent["tasks"][0]["id"] == task.id
    import requests

    answer = requests.post(f"{e2e_target.base_url}/api/ml/{model.id}/interactive-annotating",
                           headers={"Authorization": f"Token {e2e_target.token}"},
                           json={"task": task.id, "context": context}, timeout=30).json()
    assert [r["value"]["start"] for r in answer["data"]["result"]] == [0, 17]
    assert ls.tasks.get(id=task.id).total_predictions == 0
    ls.projects.delete(id=project.id)
