"""`?report=true` on the config validators: the verdict as a 200, for the browser app's check-as-you-type.

Without the flag both validators keep Label Studio's answers (test_api.py covers those).
"""

from __future__ import annotations

from tests.integration.conftest import CONFIG

RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["Positive"]}}]


def test_report_mode_answers_the_verdict_as_200(api):
    # When a good and a broken config are checked in report mode
    good = api.call("POST", "/api/projects/validate", body={"label_config": CONFIG}, query={"report": "true"})
    bad = api.call("POST", "/api/projects/validate", body={"label_config": "<View><Nope/></View>"},
                   query={"report": "true"})
    # Then both are 200s, the refusal carrying Label Studio's validation_errors shape
    assert good == (200, {"valid": True})
    status, body = bad
    assert status == 200 and body["valid"] is False
    assert "Unknown tag <Nope>" in body["validation_errors"]["label_config"][0]


def test_report_mode_on_a_project_checks_its_annotations(api):
    _, project = api.call("POST", "/api/projects", body={"title": "Sentiment", "label_config": CONFIG})
    pid = project["id"]
    task_id = api.call("POST", f"/api/projects/{pid}/import", body=[{"text": "a"}],
                       query={"return_task_ids": "true"})[1]["task_ids"][0]
    api.call("POST", f"/api/tasks/{task_id}/annotations", body={"result": RESULT})
    without = CONFIG.replace('<Choice value="Positive"/>', "")
    # When a config dropping a used label is checked in report mode
    status, body = api.call("POST", f"/api/projects/{pid}/validate", body={"label_config": without},
                            query={"report": "true"})
    # Then the refusal is reported, naming the label; an unchanged config passes with the usual field
    assert status == 200 and body["valid"] is False
    assert "Positive (1 annotation)" in body["validation_errors"]["label_config"][0]
    status, body = api.call("POST", f"/api/projects/{pid}/validate", body={"label_config": CONFIG},
                            query={"report": "true"})
    assert (status, body) == (200, {"valid": True, "config_essential_data_has_changed": False})
    # And an unknown project is still a 404, not a verdict
    assert api.call("POST", "/api/projects/99999/validate", body={"label_config": CONFIG},
                    query={"report": "true"})[0] == 404
