"""boto3 for the AWS providers: clients with timeouts, credentials, images pinned by digest.

boto3 (the `aws` extra) is imported here and in the provider modules only, inside functions.
"""

from __future__ import annotations

import re
from typing import Any

from . import ProviderError

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 20
ECR_RX = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?$")
DIGEST_RX = re.compile(r"@sha256:[0-9a-f]{64}$")


def client(name: str, region: str | None, *, read_timeout_s: float = READ_TIMEOUT_S) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ProviderError("the AWS providers need boto3: pip install 'ava-safety[aws]'") from None
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S, read_timeout=read_timeout_s,
        retries={"max_attempts": 5, "mode": "standard"}, user_agent_extra="ava-safety",
    )  # fmt: skip
    # a session of its own: boto3's default session caches credentials for the life of the process
    return boto3.session.Session().client(name, region_name=region, config=config)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


THROTTLING = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"}
)


def caller_identity(region: str | None, *, timeout_s: float) -> tuple[str, str, tuple[str, ...]]:
    """(verdict, figure, detail) of `sts get-caller-identity`: pass, block (no or rejected credentials)
    or skip (no boto3, no network)."""
    try:
        import botocore.exceptions as bx
    except ImportError:
        return "skip", "boto3 not installed", ("install the AWS extra: pip install 'ava-safety[aws]'",)
    try:
        sts = client("sts", region, read_timeout_s=timeout_s)
        identity = sts.get_caller_identity()
    except bx.NoCredentialsError:
        return (
            "block",
            "no credentials",
            ("no AWS credentials found (environment, ~/.aws, SSO): log in first",),
        )
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError) as exc:
        return "skip", "AWS unreachable", (f"cannot reach AWS STS ({type(exc).__name__}): no network here?",)
    except bx.ClientError as exc:
        code = error_code(exc)
        return "block", f"credentials rejected ({code})", (f"AWS rejected the credentials: {code}",)
    except bx.BotoCoreError as exc:
        return "skip", "AWS unreachable", (f"{type(exc).__name__}: {exc}",)
    arn = str(identity.get("Arn", ""))
    return "pass", f"account {identity.get('Account', '?')}", ((f"as {arn}",) if arn else ())


def is_pinned(image: str) -> bool:
    return bool(DIGEST_RX.search(image))


def split_image(image: str) -> tuple[str, str, str]:
    """(registry host, repository, tag) of `host/repo:tag`; tag "" when untagged or pinned."""
    ref = image.split("@", 1)[0]
    first, _, rest = ref.partition("/")
    if not rest or not ("." in first or ":" in first or first == "localhost"):
        first, rest = "", ref  # no registry host: docker.io
    repo, _, tag = rest.rpartition(":") if ":" in rest else (rest, "", "")
    return first, repo, tag


def is_mutable_tag(image: str) -> bool:
    """`:latest` or no tag at all: whatever was pushed last, never a fixed version."""
    if is_pinned(image):
        return False
    _host, _repo, tag = split_image(image)
    return tag in ("", "latest")


def pin(image: str, ecr: Any | None) -> str:
    """`image` pinned by digest: as it is when it already is; an ECR tag resolved with describe_images."""
    if is_pinned(image):
        return image
    host, repo, tag = split_image(image)
    m = ECR_RX.match(host)
    if not m or ecr is None:
        raise ProviderError(
            f"cannot pin {image} by digest: only ECR tags are resolved; give the image as repo@sha256:..."
        )
    if not tag:
        raise ProviderError(f"{image} has no tag: name the version to deploy (repo:TAG) or its digest")
    try:
        found = ecr.describe_images(
            registryId=m.group("account"), repositoryName=repo, imageIds=[{"imageTag": tag}]
        )
    except Exception as exc:  # noqa: BLE001 - botocore's errors, named
        raise ProviderError(f"cannot resolve {image} in ECR: {error_code(exc) or exc}") from None
    details = found.get("imageDetails") or []
    if not details:
        raise ProviderError(f"{image}: no such image in ECR (push it before deploying)")
    return f"{host}/{repo}@{details[0]['imageDigest']}"
