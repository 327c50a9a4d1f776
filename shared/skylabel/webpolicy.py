"""The browser app's security headers, shared by the local server and CloudFront so both send the same ones.

The Content-Security-Policy is strict: scripts only from our own origin (no inline scripts, no eval — the
Label Studio editor bundle needs neither), no plugins, no framing. `style-src` keeps 'unsafe-inline'
because the editor injects `<style>` elements and inline styles at run time (span highlights in NER, sizes
in image tools); without it labeling breaks (measured in reference/lsf_embed.md §2, gotcha 9).
In AWS, media and presigned uploads live on S3, another origin, so its host is added for images, media
and fetches.
"""

from __future__ import annotations

S3_ORIGINS = ("https://*.amazonaws.com",)


def content_security_policy(file_origins: tuple[str, ...] = ()) -> str:
    extra = "".join(f" {origin}" for origin in file_origins)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob:{extra}",
        "media-src": f"'self' blob:{extra}",
        "font-src": "'self' data:",
        "worker-src": "'self' blob:",
        "connect-src": f"'self'{extra}",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(file_origins: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers for every page and file of the app (the API's JSON answers carry them too, harmlessly)."""
    return {
        "Content-Security-Policy": content_security_policy(file_origins),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
