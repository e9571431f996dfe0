# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Patches to moto's IAM models where moto differs from IAM in ways the collection can observe, or is slow."""

from __future__ import annotations

import base64
import datetime
import json
import os
import secrets
import typing as t

_UNIQUE_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def patch_moto() -> None:
    """Apply every patch once per process (idempotent)."""
    from moto.iam import models as iam_models

    if getattr(iam_models.User, "_emulator_patched", False):
        return
    # Users get IAM-shaped unique ids (AIDA + 17 characters); moto's are random lowercase strings.
    # The collection recognises dangling principals in trust policies by that shape.
    original = iam_models.User.__init__

    def init(self: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        original(self, *args, **kwargs)
        self.id = "AIDA" + "".join(secrets.choice(_UNIQUE_ID_ALPHABET) for _index in range(17))

    iam_models.User.__init__ = init
    iam_models.User._emulator_patched = True  # pylint: disable=protected-access

    # Every reset re-creates the IAM backends, and moto parses and re-serialises ~1500 AWS managed
    # policies for each of them; doing that once keeps a reset (one per test) well under 0.2 s.
    prepared: list[tuple[str, dict[str, t.Any]]] = []
    for name, data in json.loads(iam_models.aws_managed_policies_data).items():
        prepared.append((name, {
            "default_version_id": data.get("DefaultVersionId"),
            "path": data.get("Path"),
            "document": json.dumps(data.get("Document")),
            "create_date": datetime.datetime.fromisoformat(data["CreateDate"]),
            "update_date": datetime.datetime.fromisoformat(data["UpdateDate"]),
        }))

    # ...and draws each policy's id with random.choices (~60 % of a backend's creation time); IAM's
    # policy ids look like ANPA + 17 base-32 characters, which os.urandom gives ~50 times faster.
    def policy_id() -> str:
        return "ANPA" + base64.b32encode(os.urandom(11)).decode()[:17]

    iam_models.random_policy_id = policy_id

    def init_aws_policies(self: t.Any) -> list[t.Any]:
        if not iam_models.load_iam_aws_managed_policies():
            return []
        return [iam_models.AWSManagedPolicy(name, account_id=self.account_id, region=self.region_name, **kwargs)
                for name, kwargs in prepared]

    iam_models.IAMBackend._init_aws_policies = init_aws_policies  # pylint: disable=protected-access

    # IAM leaves AttachmentCount alone when a policy is attached again (a retried Attach*Policy);
    # moto counts it twice.
    attach_to = iam_models.ManagedPolicy.attach_to

    def attach_once(self: t.Any, obj: t.Any) -> None:
        if self.arn not in obj.managed_policies:
            attach_to(self, obj)

    iam_models.ManagedPolicy.attach_to = attach_once

    # moto 5.2 lacks AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider
    # (module oidc_provider changes client ids with them). Both are idempotent in IAM.
    from moto.core.responses import EmptyResult
    from moto.iam import responses as iam_responses
    from moto.iam.exceptions import LimitExceededException

    def add_client_id(self: t.Any) -> t.Any:
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        client_id = self._get_param("ClientID")
        if client_id not in provider.client_id_list:
            if len(provider.client_id_list) >= 100:
                raise LimitExceededException("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
            provider.client_id_list.append(client_id)
        return EmptyResult()

    def remove_client_id(self: t.Any) -> t.Any:
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        client_id = self._get_param("ClientID")
        if client_id in provider.client_id_list:
            provider.client_id_list.remove(client_id)
        return EmptyResult()

    iam_responses.IamResponse.add_client_id_to_open_id_connect_provider = add_client_id
    iam_responses.IamResponse.remove_client_id_from_open_id_connect_provider = remove_client_id
