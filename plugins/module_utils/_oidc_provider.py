# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module oidc_provider (an IAM OpenID Connect provider).

The provider is found by its URL, which IAM turns into the ARN ``oidc-provider/HOST[/PATH]``: one
iam:ListOpenIDConnectProviders plus one iam:GetOpenIDConnectProvider read everything managed here
(client ids, thumbprints and tags), so a rerun with nothing to do costs two reads and no write.
Client ids and thumbprints are sets (IAM keeps them in no meaningful order); each attribute that
differs is written with its own API, so a partial failure converges on the next run.
"""

from __future__ import annotations

import datetime
import typing as t
from dataclasses import dataclass

from ansible_collections.crossaccount.aws.plugins.module_utils import _iam
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators as v
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_trust as v_trust
from ansible_collections.crossaccount.aws.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.crossaccount.aws.plugins.module_utils._arn import parse_arn
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_SPEC
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError

if t.TYPE_CHECKING:
    from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

ARGSPEC = CONNECTION_SPEC.merge(ArgumentSpec({
    "url": {"type": "str", "required": True},
    "client_ids": {"type": "list", "elements": "str"},
    "thumbprints": {"type": "list", "elements": "str"},
    "tags": {"type": "dict"},
    "purge_tags": {"type": "bool", "default": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}))

SCHEME = "https://"


@dataclass(frozen=True)
class OidcProviderRequest:
    """Validated options of module oidc_provider; None means "leave as it is"."""

    url: str
    state: str = "present"
    client_ids: tuple[str, ...] | None = None
    thumbprints: tuple[str, ...] | None = None
    tags: dict[str, str] | None = None
    purge_tags: bool = True

    @property
    def name(self) -> str:
        """``HOST[/PATH]``: the part of the provider ARN after ``oidc-provider/``."""
        return self.url[len(SCHEME):]


def request_from_options(options: OptionAdapter) -> OidcProviderRequest:
    """Validate every option; no AWS call."""
    url = v_trust.oidc_issuer(options.get("url"), "url")
    state = v.choice(options.get("state", "present"), "state", ("present", "absent"))
    client_ids = options.get("client_ids")
    thumbprints = options.get("thumbprints")
    tags = options.get("tags")
    return OidcProviderRequest(
        url=url,
        state=state,
        client_ids=tuple(v_trust.oidc_client_ids(client_ids, "client_ids")) if client_ids is not None else None,
        thumbprints=tuple(v_trust.oidc_thumbprints(thumbprints, "thumbprints")) if thumbprints is not None else None,
        tags=v.tags(tags, "tags") if tags is not None else None,
        purge_tags=options.get("purge_tags", True) is not False,
    )


# --- reading ---


def _provider_name(arn: str) -> str | None:
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "iam" or parsed.resource_type != "oidc-provider" or "/" not in parsed.resource:
        return None
    return parsed.resource.split("/", 1)[1]


def _same_name(a: str, b: str) -> bool:
    # Host names are case-insensitive, paths are not.
    host_a, _sep, path_a = a.partition("/")
    host_b, _sep, path_b = b.partition("/")
    return host_a.lower() == host_b.lower() and path_a.rstrip("/") == path_b.rstrip("/")


def find_provider_arn(arns: t.Iterable[str], name: str) -> str | None:
    for arn in arns:
        found = _provider_name(arn)
        if found is not None and _same_name(found, name):
            return arn
    return None


def provider_view(arn: str, answer: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The provider as the module reports it: https URL, sorted client ids and thumbprints, tags as a dict."""
    url = str(answer.get("Url") or "")
    created = answer.get("CreateDate")
    return {
        "arn": arn,
        "url": url if url.startswith(SCHEME) else SCHEME + url,
        "client_ids": sorted(answer.get("ClientIDList") or []),
        "thumbprints": sorted(answer.get("ThumbprintList") or []),
        "tags": {tag["Key"]: tag["Value"] for tag in answer.get("Tags") or []},
        "create_date": created.isoformat() if isinstance(created, datetime.datetime) else created,
    }


def read_provider(iam: t.Any, name: str) -> tuple[dict[str, t.Any] | None, list[str]]:
    """(the provider or None, every provider ARN of the account)."""
    arns = _iam.list_open_id_connect_providers(iam)
    arn = find_provider_arn(arns, name)
    if arn is None:
        return None, arns
    answer = _iam.get_open_id_connect_provider(iam, arn)
    # Deleted between the list and the get: absent, like any other absent provider.
    return (provider_view(arn, answer) if answer is not None else None), arns


# --- planning ---


def _wanted_tags(request: OidcProviderRequest, have: dict[str, str]) -> dict[str, str]:
    if request.tags is None:
        return dict(have)
    # IAM tag keys are case-insensitive (case preserved): a wanted key replaces a kept one that differs
    # only in case, or IAM would refuse the pair.
    wanted = {key.lower() for key in request.tags}
    tags = {} if request.purge_tags else {key: value for key, value in have.items() if key.lower() not in wanted}
    tags.update(request.tags)
    return tags


def desired(request: OidcProviderRequest, current: dict[str, t.Any] | None, arn: str) -> dict[str, t.Any]:
    base = current or {"arn": arn, "url": request.url, "client_ids": [], "thumbprints": [], "tags": {}, "create_date": None}
    want = dict(base)
    if request.client_ids is not None:
        want["client_ids"] = sorted(request.client_ids)
    if request.thumbprints is not None:
        # Keep the stored spelling of a thumbprint that only differs in case: they are the same hash.
        stored = {item.lower(): item for item in base["thumbprints"]}
        want["thumbprints"] = sorted(stored.get(item, item) for item in request.thumbprints)
    want["tags"] = _wanted_tags(request, base["tags"])
    return want


def _thumbprint_set(values: t.Iterable[str]) -> set[str]:
    return {value.lower() for value in values}


def differs(have: t.Mapping[str, t.Any], want: t.Mapping[str, t.Any]) -> bool:
    return (
        set(have["client_ids"]) != set(want["client_ids"])
        or _thumbprint_set(have["thumbprints"]) != _thumbprint_set(want["thumbprints"])
        or have["tags"] != want["tags"]
    )


def diff_view(provider: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    if not provider:
        return {}
    return {key: provider[key] for key in ("arn", "url", "client_ids", "thumbprints", "tags")}


# --- writing ---


def update(iam: t.Any, have: t.Mapping[str, t.Any], want: t.Mapping[str, t.Any]) -> None:
    """Write each attribute that differs, with the API of that attribute only."""
    arn = have["arn"]
    for client_id in want["client_ids"]:
        if client_id not in have["client_ids"]:
            _iam.add_client_id_to_open_id_connect_provider(iam, arn, client_id)
    for client_id in have["client_ids"]:
        if client_id not in want["client_ids"]:
            _iam.remove_client_id_from_open_id_connect_provider(iam, arn, client_id)
    if _thumbprint_set(have["thumbprints"]) != _thumbprint_set(want["thumbprints"]):
        _iam.update_open_id_connect_provider_thumbprint(iam, arn, want["thumbprints"])
    # Untag before tagging: with case-insensitive keys, untagging "Team" after tagging "team" would
    # remove the new tag.
    removed = [key for key in have["tags"] if key not in want["tags"]]
    if removed:
        _iam.untag_open_id_connect_provider(iam, arn, removed)
    added = {key: value for key, value in want["tags"].items() if have["tags"].get(key) != value}
    if added:
        _iam.tag_open_id_connect_provider(iam, arn, added)


def create(iam: t.Any, request: OidcProviderRequest, want: t.Mapping[str, t.Any]) -> str:
    """CreateOpenIDConnectProvider with everything it accepts; reconciles a provider that appeared meanwhile."""
    try:
        return _iam.create_open_id_connect_provider(iam, request.url, want["client_ids"], want["thumbprints"], want["tags"] or None)
    except CrossAccountError as exc:
        if exc.code != "EntityAlreadyExists":
            raise
        # botocore retried a create whose first attempt was applied but answered with a 5xx, or another
        # run created it meanwhile: bring the existing provider to the wanted state like any other.
        existing, _arns = read_provider(iam, request.name)
        if existing is None:
            raise
        update(iam, existing, desired(request, existing, existing["arn"]))
        return str(existing["arn"])


def _predicted_arn(module: ModuleContext, arns: list[str], name: str) -> str:
    # Any provider ARN of the account names its partition and account; only without one is the
    # caller's identity read (check mode only: a real create answers with the ARN).
    for arn in arns:
        parsed = parse_arn(arn)
        if parsed is not None and parsed.account:
            return f"arn:{parsed.partition}:iam::{parsed.account}:oidc-provider/{name}"
    identity = module.connection().identity()
    return f"arn:{identity['partition']}:iam::{identity['account']}:oidc-provider/{name}"


def handle(module: ModuleContext) -> dict[str, t.Any]:
    request = request_from_options(module.options)
    iam = module.connection().iam
    current, arns = read_provider(iam, request.name)

    if request.state == "absent":
        result: dict[str, t.Any] = {"changed": current is not None, "arn": current["arn"] if current else None}
        if current is not None and not module.check_mode:
            _iam.delete_open_id_connect_provider(iam, current["arn"])
        if module.diff_mode:
            result["diff"] = {"before": diff_view(current), "after": {}}
        return result

    if current is None:
        want = desired(request, None, "")
        changed = True
        if module.check_mode:
            want["arn"] = _predicted_arn(module, arns, request.name)
            provider = want
        else:
            arn = create(iam, request, want)
            provider = _reread(iam, arn, dict(want, arn=arn))
    else:
        want = desired(request, current, current["arn"])
        changed = differs(current, want)
        provider = want
        if changed and not module.check_mode:
            update(iam, current, want)
            provider = _reread(iam, current["arn"], want)

    result = {"changed": changed, **{key: provider[key] for key in ("arn", "url", "client_ids", "thumbprints", "tags")}}
    if module.diff_mode:
        result["diff"] = {"before": diff_view(current), "after": diff_view(provider)}
    return result


def _reread(iam: t.Any, arn: str, fallback: dict[str, t.Any]) -> dict[str, t.Any]:
    answer = _iam.get_open_id_connect_provider(iam, arn)
    return provider_view(arn, answer) if answer is not None else fallback
