# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE to the collection: logic of module assume_role.

The request is ``_sts_request``'s and the chain of calls ``_sts``', shared with verify_access and the
lookup; this file makes them a module: ``role_arn`` required, the credentials as the result.
"""

from __future__ import annotations

import typing as t

from ansible_collections.crossaccount.aws.plugins.module_utils._connection import CONNECTION_SPEC
from ansible_collections.crossaccount.aws.plugins.module_utils._sts import assume_chain, iso8601
from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import (
    ASSUME_ROLE_SPEC,
    AssumeRoleRequest,
    request_from_options,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from ansible_collections.crossaccount.aws.plugins.module_utils._module import ModuleContext

__all__ = ["ARGSPEC", "AssumeRoleRequest", "handle", "request_from_options"]

ARGSPEC = CONNECTION_SPEC.merge(ASSUME_ROLE_SPEC.with_options(role_arn={"required": True}))


def handle(module: ModuleContext) -> dict[str, t.Any]:
    request = request_from_options(module.options)
    connection = module.connection()
    # Every via hop in order (the first with the web identity token when one is given), then role_arn.
    creds = assume_chain(connection, request)
    return {
        "changed": False,
        "credentials": {
            "access_key": creds.access_key,
            "secret_key": creds.secret_key,
            "session_token": creds.session_token,
            "expiration": iso8601(creds.expiration),
        },
        "assumed_role": {"arn": creds.assumed_role_arn, "assumed_role_id": creds.assumed_role_id},
        "account_id": creds.account_id,
    }
