"""The browser app's response headers in CloudFront: the same strict CSP the local server sends, plus HSTS."""

from __future__ import annotations

from skylabel.webpolicy import S3_ORIGINS, content_security_policy, security_headers


def _spa_policy(synthesized) -> dict:
    _, distribution = synthesized.one("AWS::CloudFront::Distribution")
    default = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    policy_id, policy = synthesized.one("AWS::CloudFront::ResponseHeadersPolicy", "/SpaHeaders/")
    assert default["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    return policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]


def test_the_spa_is_served_with_webpolicys_csp(synthesized):
    setting = _spa_policy(synthesized)["ContentSecurityPolicy"]
    assert setting == {"ContentSecurityPolicy": content_security_policy(S3_ORIGINS), "Override": True}
    csp = setting["ContentSecurityPolicy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    # The same directives as the local server's, with only S3's origin added for media and uploads
    assert csp.replace(f" {S3_ORIGINS[0]}", "") == security_headers()["Content-Security-Policy"]


def test_the_spa_gets_the_other_security_headers(synthesized):
    headers = _spa_policy(synthesized)
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ReferrerPolicy"] == {"ReferrerPolicy": security_headers()["Referrer-Policy"], "Override": True}
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"] and hsts["Override"]
