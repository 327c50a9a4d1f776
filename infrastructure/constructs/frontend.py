"""The SPA's origin: a private bucket behind CloudFront (origin access control), with `/api/*` routed to the
HTTP API so the SPA and the API share one origin (no CORS, cookies stay first-party).

SPA fallback is a CloudFront Function on the default behaviour (a path without a file extension serves
`/index.html`), not a distribution-wide custom error response, which would also turn the API's own 403/404
JSON answers into the SPA's HTML. The SPA's security headers are our own policy, built by the same
`skylabel.webpolicy` as the local server's, so the strict Content-Security-Policy is one definition (here with
S3's origin added, where media and presigned uploads live); HSTS is added here, where there is always TLS.
`/api/*` keeps the managed SECURITY_HEADERS policy: JSON answers need no CSP.

The files come from `frontend/dist` when it exists (`BucketDeployment`, which also invalidates the cache).
When it does not (no SPA built yet, and in tests), nothing is deployed: the distribution and the bucket
still exist and `/api/*` works; build the SPA and deploy again to publish it.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infrastructure.bundling import ROOT
from infrastructure.constructs.storage import private_bucket
from infrastructure.nag import BUCKET_READ_WRITE, acknowledge, logical_id
from skylabel.webpolicy import S3_ORIGINS, content_security_policy

DIST = ROOT / "frontend" / "dist"

SPA_FALLBACK = """function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) { request.uri = '/index.html'; }
  return request;
}"""


def spa_headers_policy(scope: Construct) -> cloudfront.ResponseHeadersPolicy:
    """The browser app's headers: webpolicy's CSP, nosniff, no framing, same-origin referrers, and HSTS."""
    return cloudfront.ResponseHeadersPolicy(
        scope, "SpaHeaders",
        comment="Skylabel browser app: strict CSP and security headers",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=content_security_policy(S3_ORIGINS), override=True),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override=True),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=Duration.days(365), include_subdomains=True, override=True),
        ),
    )


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
        self.headers = spa_headers_policy(self)
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
                response_headers_policy=self.headers,
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
            self._acknowledge_deployment()

    def _acknowledge_deployment(self) -> None:
        """CDK's BucketDeployment handler is a singleton Lambda at the stack's root (outside this construct), so
        its findings are acknowledged there; without this a synth with a built SPA fails cdk-nag."""
        stack = Stack.of(self)
        handler = next(c for c in stack.node.children if c.node.id.startswith("Custom::CDKBucketDeployment"))
        acknowledge(handler, "L1", "CDK's own BucketDeployment handler: aws-cdk-lib picks its runtime and moves it "
                    "forward with library upgrades; it runs only during deploys.")
        acknowledge(handler, "IAM5", "CDK's BucketDeployment copies the built SPA from the CDK asset bucket into the "
                    "site bucket and invalidates the distribution: read on the asset objects, read-write on the "
                    "site bucket's objects, and CloudFront invalidation (which CDK grants on *).",
                    findings=[*BUCKET_READ_WRITE, f"Resource::<{logical_id(self.bucket)}.Arn>/*", "Resource::*",
                              # The default bootstrap qualifier: a custom one changes this name.
                              "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
                              "<AWS::Region>/*"])
