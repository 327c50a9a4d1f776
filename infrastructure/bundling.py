"""Docker-free Lambda assets: a local bundler that CDK calls instead of a build container.

Why: CDK's default Python bundling (and `aws_lambda_python_alpha`) runs pip inside Docker, which is not
available on every developer or CI machine. Wheels for the Lambda platform can be fetched on any host with
`pip install --platform manylinux2014_aarch64 --only-binary=:all: --target` (serverless_facts.md §2), and
sources are just copied. Every `.py` is precompiled with an interpreter of the runtime's version (found on
PATH or under pyenv), in `unchecked-hash` mode because asset zips do not keep modification times; without
such an interpreter the bundle ships sources only and says so.

Asset hashes are computed here (CUSTOM) from the source files and the requirement list, so a synth with
bundling skipped (the tests) never fingerprints a large tree, and a changed dependency changes the asset.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

ROOT = Path(__file__).resolve().parents[1]
PYTHON_VERSION = "3.13"  # keep equal to functions.RUNTIME
PLATFORM = "manylinux2014_aarch64"  # keep equal to functions.ARCHITECTURE
# Provided by the Lambda Python runtime, so left out of the bundle.
RUNTIME_PROVIDED = {"boto3", "botocore"}
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "node_modules")


def runtime_requirements() -> list[str]:
    """The project's own dependencies (pyproject.toml), minus what the runtime already has."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [d for d in deps if _name(d) not in RUNTIME_PROVIDED]


def _name(requirement: str) -> str:
    for sep in "<>=!~[; ":
        requirement = requirement.split(sep)[0]
    return requirement.strip().lower()


def find_interpreter(version: str = PYTHON_VERSION) -> str | None:
    """A `pythonX.Y` matching the Lambda runtime, for byte-compiling; None when this machine has none."""
    found = shutil.which(f"python{version}")
    if found and _runs(found):
        return found
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for candidate in sorted(pyenv.glob(f"{version}.*/bin/python{version}"), reverse=True):
        if _runs(str(candidate)):
            return str(candidate)
    return None


def _runs(executable: str) -> bool:
    try:
        return subprocess.run([executable, "-c", "pass"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@jsii.implements(ILocalBundling)
class LocalPythonBundler:
    """Builds one asset folder: pip wheels for the Lambda platform plus copied source packages, precompiled."""

    def __init__(self, *, requirements: Sequence[str] = (), packages: Mapping[str, Path] | None = None,
                 files: Mapping[str, Path] | None = None, prefix: str = "") -> None:
        self.requirements = list(requirements)
        self.packages = dict(packages or {})  # target folder name → source folder
        self.files = dict(files or {})  # target file name → source file
        self.prefix = prefix  # "python" for a layer (/opt/python is on sys.path)

    def try_bundle(self, output_dir: str, *_args, **_kwargs) -> bool:
        target = Path(output_dir) / self.prefix
        target.mkdir(parents=True, exist_ok=True)
        if self.requirements:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--disable-pip-version-check",
                 "--target", str(target), "--platform", PLATFORM, "--implementation", "cp",
                 "--python-version", PYTHON_VERSION, "--only-binary=:all:", *self.requirements],
                check=True,
            )
        for name, source in self.packages.items():
            shutil.copytree(source, target / name, ignore=_SKIP, dirs_exist_ok=True)
        for name, source in self.files.items():
            shutil.copy2(source, target / name)
        interpreter = find_interpreter()
        if interpreter is None:
            print(f"skylabel bundling: no python{PYTHON_VERSION} here; shipping sources without .pyc", file=sys.stderr)
        else:
            subprocess.run([interpreter, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                            str(target)], check=True)
        return True

    def fingerprint(self) -> str:
        """A hash of everything that goes into the asset (sources, requirements, platform)."""
        digest = hashlib.sha256("\n".join([PYTHON_VERSION, PLATFORM, self.prefix, *self.requirements]).encode())
        sources = [(name, path) for name, path in {**self.packages, **self.files}.items()]
        for name, path in sorted(sources):
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()
                                                         and "__pycache__" not in p.parts and p.suffix != ".pyc")
            for file in files:
                relative = file.name if path.is_file() else file.relative_to(path).as_posix()
                digest.update(f"{name}/{relative}\0".encode())
                digest.update(file.read_bytes())
        return digest.hexdigest()


def python_asset(source: Path, bundler: LocalPythonBundler) -> lambda_.AssetCode:
    """Lambda code (or layer content) built by `bundler`; `source` is only where CDK looks when not bundling."""
    return lambda_.Code.from_asset(
        str(source),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=bundler.fingerprint(),
        bundling=BundlingOptions(
            # Required by the API, never pulled: the local bundler always succeeds or raises.
            image=DockerImage.from_registry(f"public.ecr.aws/sam/build-python{PYTHON_VERSION}"),
            local=bundler,
        ),
    )
