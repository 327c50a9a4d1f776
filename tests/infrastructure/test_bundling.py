"""The Lambda bundle's inputs (no pip run here: `make synth` builds the real bundle) and the direction of
imports between the CDK app and the code it deploys."""

from __future__ import annotations

import ast
from pathlib import Path

from infrastructure.bundling import ROOT, LocalPythonBundler, runtime_requirements

CDK_MODULES = {"infrastructure", "aws_cdk", "constructs", "cdk_nag", "jsii"}


def test_bundle_takes_the_project_dependencies_except_what_lambda_provides():
    requirements = runtime_requirements()
    names = {r.split(">")[0].split("<")[0].split("=")[0].strip() for r in requirements}
    assert names == {"aws-lambda-powertools", "pydantic", "lxml"}


def test_asset_hash_follows_sources_and_requirements(tmp_path: Path):
    (tmp_path / "handler.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    first = LocalPythonBundler(files={"handler.py": tmp_path / "handler.py"}).fingerprint()
    assert first == LocalPythonBundler(files={"handler.py": tmp_path / "handler.py"}).fingerprint()
    assert first != LocalPythonBundler(files={"handler.py": tmp_path / "handler.py"}, requirements=["x"]).fingerprint()
    (tmp_path / "handler.py").write_text("def lambda_handler(event, context):\n    return {'v': 2}\n")
    assert first != LocalPythonBundler(files={"handler.py": tmp_path / "handler.py"}).fingerprint()


def test_deployed_code_never_imports_the_cdk_app():
    offenders = []
    for folder in ("shared", "functions"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                         else [])
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in CDK_MODULES]
    assert offenders == []
