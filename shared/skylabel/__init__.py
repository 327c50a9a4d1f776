"""Skylabel's domain: models, services and the ports/adapters they run on (see ports.py)."""

__version__ = "0.1.0"
# The Label Studio release whose REST API this one follows; SDK clients read it from /api/version.
LABEL_STUDIO_COMPAT_VERSION = "1.23.2"
