"""The CDK app: `make synth` (or `npx aws-cdk@<pinned> synth|deploy` from infrastructure/) runs this file.

It synthesizes without credentials, Docker or network (bundling.py builds the assets locally) and always
writes the cloud assembly to infrastructure/cdk.out, whatever the working directory (without an explicit
outdir, `python app.py` would write to a temp dir). cdk-nag (AWS Solutions) runs as a policy-validation
plugin: an unacknowledged finding fails the synth. Deploy settings are CDK context (config.py, cdk.json).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    # Run as a script, this folder would be sys.path[0] and its `constructs/` would shadow the library.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infrastructure.config import DeploySettings  # noqa: E402
from infrastructure.stack import SkylabelStack  # noqa: E402

OUTDIR = HERE / "cdk.out"


def build_app(context: dict | None = None, outdir: str | None = None) -> tuple[cdk.App, SkylabelStack]:
    """The app with its one stack; `context` adds CDK context (tests turn bundling off with it)."""
    # cdk.json's context (deploy settings, feature flags) applies to `python app.py` as it does under the CLI.
    defaults = json.loads((HERE / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=outdir or os.environ.get("CDK_OUTDIR") or str(OUTDIR), context={**defaults, **(context or {})})
    config = DeploySettings.from_context(app.node.try_get_context)
    stack = SkylabelStack(
        app, f"Skylabel-{config.stage}", config=config,
        description="Skylabel: Label Studio-compatible labeling service (serverless)",
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
    )
    cdk.Tags.of(stack).add("app", "skylabel")
    cdk.Tags.of(stack).add("stage", config.stage)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


if __name__ == "__main__":
    build_app()[0].synth()
