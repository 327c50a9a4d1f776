"""One synth for the whole infrastructure suite (session scope: a synth costs seconds, an assertion
milliseconds), with bundling off (`aws:cdk:bundling-stacks: []`: no pip runs, no asset is built) and cdk-nag
on, exactly as `make synth` runs it. If cdk-nag finds anything unacknowledged, the synth itself fails."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass
class Synthesized:
    outdir: Path
    template_path: Path
    template: dict
    stack: object

    def resources(self, kind: str) -> dict[str, dict]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def one(self, kind: str, path_part: str = "") -> tuple[str, dict]:
        """The one resource of `kind` whose construct path contains `path_part`."""
        found = [(k, v) for k, v in self.resources(kind).items()
                 if path_part in v.get("Metadata", {}).get("aws:cdk:path", "")]
        assert len(found) == 1, f"{len(found)} resources of {kind} match {path_part!r}"
        return found[0]


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory) -> Synthesized:
    from infrastructure.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    # Metadata with construct paths lets tests find resources by construct, not by hashed logical id.
    app, stack = build_app({"aws:cdk:bundling-stacks": [], "aws:cdk:enable-path-metadata": True},
                           outdir=str(outdir))
    app.synth()
    template_path = outdir / f"{stack.stack_name}.template.json"
    return Synthesized(outdir, template_path, json.loads(template_path.read_text()), stack)
