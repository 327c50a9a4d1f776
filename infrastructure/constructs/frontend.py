"""The SPA's origin: a private bucket behind CloudFront (origin access control), with `/api/*` routed to the
HTTP API so the SPA and the API share one origin (no CORS, cookies stay first-party).

SPA fallback is a CloudFront Function on the default behaviour (a path without a file extension serves
`/index.html`), not a distribution-wide custom error response, which would also turn the API's own 403/404
JSON answers into the SPA's HTML. Security headers come from the managed SECURITY_HEADERS policy.

The files come from `frontend/dist` when it exists (`BucketDeployment`, which also invalidates the cache).
When it does not (no SPA built yet, and in tests), nothing is deployed: the distribution and the bucket
still exist and `/api/*` works; build the SPA and deploy again to publish it.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Fn, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infrastructure.bundling import ROOT
from infrastructure.constructs.storage import private_bucket
from infrastructure.nag import acknowledge

DIST = ROOT / "frontend" / "dist"

SPA_FALLBACK = """function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) { request.uri = '/index.html'; }
  return request;
}"""


class Frontend(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, http_api: apigwv2.IHttpApi, access_logs: s3.IBucket,
                 domain_name: str | None = None, certificate_arn: str | None = None, dist: Path = DIST) -> None:
        super().__init__(scope, construct_id)
        # Rebuilt from frontend/ on every deploy, so nothing in it needs to outlive the stack.
        self.bucket = private_bucket(self, "Site", access_logs=access_logs, prefix="site",
                                     removal_policy=RemovalPolicy.DESTROY)
        api_domain = Fn.select(2, Fn.split("/", http_api.api_endpoint))
        api_origin = origins.HttpOrigin(api_domain, protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                                        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2])
        fallback = cloudfront.Function(self, "SpaFallback", code=cloudfront.FunctionCode.from_inline(SPA_FALLBACK),
                                       runtime=cloudfront.FunctionRuntime.JS_2_0)
        certificate = (acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
                       if certificate_arn else None)
        self.distribution = cloudfront.Distribution(
            self, "Distribution",
            comment="Skylabel",
            default_root_object="index.html",
            domain_names=[domain_name] if domain_name else None,
            certificate=certificate,
            # Only settable with a custom certificate; the default *.cloudfront.net one is fixed by AWS.
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None,
            enable_logging=True,
            log_bucket=access_logs,
            log_file_prefix="cloudfront/",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                function_associations=[cloudfront.FunctionAssociation(
                    function=fallback, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)],
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                ),
            },
        )
        acknowledge(self.distribution, "CFR1", "A labeling team may sit anywhere; restrict countries with a "
                    "geo restriction if a deployment needs it.")
        acknowledge(self.distribution, "CFR2", "AWS WAF costs at least ~$6/month per web ACL, more than an idle "
                    "Skylabel; the API throttles at API Gateway and authenticates every request.")
        if not certificate:
            acknowledge(self.distribution, "CFR4", "Without a custom domain the distribution uses CloudFront's "
                        "default certificate, whose TLS policy cannot be changed; set domainName and "
                        "certificateArn to enforce TLSv1.2_2021.")
        self.url = f"https://{domain_name}" if domain_name else f"https://{self.distribution.distribution_domain_name}"
        self.deployment = None
        if (dist / "index.html").is_file():
            self.deployment = s3deploy.BucketDeployment(
                self, "Deploy", sources=[s3deploy.Source.asset(str(dist))], destination_bucket=self.bucket,
                distribution=self.distribution, distribution_paths=["/*"], retain_on_delete=False,
            )
