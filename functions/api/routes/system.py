"""Version and health: what both SDK clients call before anything else (no authentication)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from skylabel import LABEL_STUDIO_COMPAT_VERSION, __version__
from skylabel_api.responses import ok

router = APIGatewayHttpRouter()

VERSION = {
    "release": LABEL_STUDIO_COMPAT_VERSION,
    "edition": "Community",  # not "Enterprise": the SDK then uses the synchronous export path (ls_api.md §8)
    "skylabel": __version__,
    "label-studio-os-package": {"version": LABEL_STUDIO_COMPAT_VERSION},
}


@router.get("/api/version", tags=["system"], summary="Server version (Label Studio compatible)")
def version():
    return ok(VERSION)


@router.get("/health", tags=["system"], summary="Liveness")
def health():
    return ok({"status": "UP"})
