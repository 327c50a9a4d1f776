"""The synthesized ML workflows: the predict and ml_event state machines as CDK wrote them are the reference
definition for the ML step function (functions/ml_invoke), and the predict machine, run under moto with the
template's own environment for that function, predicts a project against a real backend on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from skylabel import settings
from skylabel.jobsteps import PART_UNFINISHED, workflow_definition
from tests.infrastructure.cfn import resolve
from tests.infrastructure.test_template_moto import _environment, _refs
from tests.integration.test_ml_predict_moto import predict_world, run_predict_job

ARN = "arn:aws:lambda:us-east-1:123456789012:function:ml-steps"


@pytest.mark.parametrize(("name", "bound"), [("Predict", 4), ("MlEvent", 4)])
def test_ml_state_machines_are_the_reference_definition_on_the_ml_function(synthesized, name, bound):
    _, machine = synthesized.one("AWS::StepFunctions::StateMachine", f"/Workflows/{name}/")
    ml_id, _ = synthesized.one("AWS::Lambda::Function", "/Workflows/MlFunction/")
    definition = json.loads(resolve(machine["Properties"]["DefinitionString"], {f"{ml_id}.Arn": ARN}))
    assert definition.pop("TimeoutSeconds") == 6 * 3600
    assert definition == workflow_definition(ARN, bound)
    part = definition["States"]["Parts"]["ItemProcessor"]["States"]["Part"]
    assert any(r["ErrorEquals"] == [PART_UNFINISHED] for r in part["Retry"])  # a part cut short resumes


def test_the_ml_function_has_the_time_for_slow_models(synthesized):
    _, function = synthesized.one("AWS::Lambda::Function", "/Workflows/MlFunction/")
    assert function["Properties"]["Timeout"] == 15 * 60
    env = function["Properties"]["Environment"]["Variables"]
    assert settings.ENV_PREDICT_MACHINE not in env  # it runs jobs; it starts none


def test_synthesized_predict_state_machine_predicts_a_project(synthesized, monkeypatch):
    machine_id, machine = synthesized.one("AWS::StepFunctions::StateMachine", "/Workflows/Predict/")
    ml_id, _ = synthesized.one("AWS::Lambda::Function", "/Workflows/MlFunction/")

    def definition(function_arn: str) -> dict:
        return json.loads(resolve(machine["Properties"]["DefinitionString"], {f"{ml_id}.Arn": function_arn}))

    def environment(machine_arn: str) -> dict[str, str]:
        return _environment(synthesized, "/Workflows/MlFunction/", _refs(synthesized, **{machine_id: machine_arn}))

    with predict_world(monkeypatch, definition, environment) as world:
        run_predict_job(world)
