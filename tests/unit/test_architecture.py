"""The layering rules of DESIGN.md, enforced by walking every module's imports.

- the domain (`shared/skylabel`) imports nothing from `functions/` or `infrastructure/`;
- boto3/botocore appear only in the AWS adapters;
- handlers do not reach into adapters (they get ports through the Context).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AWS_ADAPTERS = {"dynamodb.py", "s3.py", "s3_storage.py", "stepfunctions.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(folder: str) -> list[Path]:
    return [p for p in (ROOT / folder).rglob("*.py") if "node_modules" not in p.parts]


def test_domain_does_not_import_edges():
    edges = ("skylabel_api", "skylabel_local")
    offenders = {str(p.relative_to(ROOT)): sorted(n for n in _imports(p) if n.split(".")[0] in edges)
                 for p in _modules("shared")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_boto3_only_in_aws_adapters():
    offenders = []
    for folder in ("shared", "functions", "infrastructure/local"):
        for path in _modules(folder):
            uses = {n for n in _imports(path) if n.split(".")[0] in ("boto3", "botocore")}
            if uses and not (path.parent.name == "adapters" and path.name in AWS_ADAPTERS):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_routes_do_not_touch_adapters():
    offenders = [str(p.relative_to(ROOT)) for p in _modules("functions")
                 if any(n.startswith("skylabel.adapters") for n in _imports(p))]
    assert offenders == []


def test_every_package_is_listed_for_non_editable_builds():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    mapping = {"skylabel": ROOT / "shared" / "skylabel", "skylabel_api": ROOT / "functions" / "api",
               "skylabel_local": ROOT / "infrastructure" / "local"}
    found = set()
    for name, folder in mapping.items():
        for init in folder.rglob("__init__.py"):
            relative = init.parent.relative_to(folder).parts
            found.add(".".join((name, *relative)))
    assert found - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"
