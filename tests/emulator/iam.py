# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM's handling of trust documents that moto lacks: principal normalisation, deleted principals and the
trust-policy size quota (also reported by GetAccountSummary)."""

from __future__ import annotations

import json
import re
import time
import typing as t
from urllib.parse import parse_qsl, urlencode

from emulator import policy as pol
from emulator.state import PARTITION
from emulator.wsgi import AwsError, Request, Response

if t.TYPE_CHECKING:
    from emulator.server import Emulator


def map_aws_principals(doc: dict[str, t.Any], convert: t.Callable[[t.Any], t.Any]) -> bool:
    """Apply ``convert`` to every AWS principal (Principal and NotPrincipal) in place; True if one changed."""
    changed = False
    for stmt in pol.as_list(doc.get("Statement")):
        if not isinstance(stmt, dict):
            continue
        for key in ("Principal", "NotPrincipal"):
            block = stmt.get(key)
            if not isinstance(block, dict) or "AWS" not in block:
                continue
            values = block["AWS"]
            new = [convert(value) for value in pol.as_list(values)]
            if new != pol.as_list(values):
                changed = True
                block["AWS"] = new if isinstance(values, list) else new[0]
    return changed


MANAGED_POLICY_SIZE = 6144
# action -> (principal kind, parameter naming it, quota of all its inline policies together)
INLINE_POLICY_SIZE = {
    "PutUserPolicy": ("user", "UserName", 2048),
    "PutGroupPolicy": ("group", "GroupName", 5120),
    "PutRolePolicy": ("role", "RoleName", 10240),
}


def trust_policy_size(document: str) -> int:
    """The size IAM checks against its policy size quotas: characters without white space."""
    return len(re.sub(r"\s+", "", document))


class TrustDocuments:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def principal_exists(self, arn: str) -> bool:
        match = re.match(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(user|role)(/.*)$", arn)
        if not match:
            return False
        backend = self.emu.iam_if_exists(match.group(2))
        if backend is None:
            return False
        if match.group(3) == "user":
            return any(u.arn == arn for u in backend.users.values())
        return any(r.arn == arn for r in backend.roles.values())

    def normalise(self, document: str) -> str:
        """IAM's rewriting of trust principals; raises MalformedPolicyDocument for unknown principals."""
        try:
            doc = json.loads(document)
        except ValueError:
            return document  # moto reports the syntax error itself
        if not isinstance(doc, dict):
            return document
        map_aws_principals(doc, lambda value: self.normalise_principal(str(value)))
        for stmt in pol.as_list(doc.get("Statement")):
            for key in ("Principal", "NotPrincipal"):
                block = stmt.get(key) if isinstance(stmt, dict) else None
                if isinstance(block, dict):
                    for value in pol.as_list(block.get("Federated")):
                        self.check_federated_principal(str(value))
        return json.dumps(doc)

    def check_federated_principal(self, value: str) -> None:
        """An OIDC or SAML provider named as Federated principal must exist (IAM refuses the document otherwise)."""
        match = re.match(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(oidc-provider|saml-provider)/(.+)$", value)
        if not match:
            return  # web identity providers by name (cognito-identity.amazonaws.com, accounts.google.com, ...)
        backend = self.emu.iam_if_exists(match.group(2))
        providers = {} if backend is None else (
            backend.open_id_providers if match.group(3) == "oidc-provider" else backend.saml_providers)
        if value not in providers and not any(getattr(p, "arn", None) == value for p in providers.values()):
            raise AwsError(400, "MalformedPolicyDocument", f'Invalid principal in policy: "Federated":"{value}"')

    def normalise_principal(self, value: str) -> str:
        if value == "*":
            return value
        if pol.ACCOUNT_RE.match(value):
            return f"arn:{PARTITION}:iam::{value}:root"
        if pol.UNIQUE_ID_RE.match(value):
            return value
        if re.match(r"^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:root$", value):
            return value
        if re.match(r"^arn:(aws|aws-cn|aws-us-gov):sts::\d{12}:(assumed-role/[^/*?]+/[^/*?]+|federated-user/[^/*?]+)$", value):
            return value
        if "*" not in value and "?" not in value and self.principal_exists(value):
            return value
        raise AwsError(400, "MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{value}"')

    def write_trust_policy(self, req: Request, account: str) -> Response:
        """CreateRole / UpdateAssumeRolePolicy with IAM's principal rewriting and the propagation clock."""
        param = "AssumeRolePolicyDocument" if req.action == "CreateRole" else "PolicyDocument"
        if param in req.params:
            quota = self.emu.config.trust_policy_size_quota
            if trust_policy_size(req.params[param]) > quota:
                raise AwsError(409, "LimitExceeded", f"Cannot exceed quota for ACLSizePerRole: {quota}")
            normalised = self.normalise(req.params[param])
            pairs = parse_qsl(req.body.decode("utf-8"), keep_blank_values=True)
            req.body = urlencode([(k, normalised if k == param else v) for k, v in pairs]).encode()
        result = self.emu.forward(req, account)
        if result[0].startswith("200") and req.params.get("RoleName"):
            self.emu.role_changed[(account, req.params["RoleName"])] = time.time()
        return result

    def delete_principal(self, req: Request, account: str) -> Response:
        backend = self.emu.iam(account)
        arn = unique_id = None
        if req.action == "DeleteUser":
            user = backend.users.get(req.params.get("UserName", ""))
            if user is not None:
                arn, unique_id = user.arn, user.id
        else:
            role = next((r for r in backend.roles.values() if r.name == req.params.get("RoleName")), None)
            if role is not None:
                arn, unique_id = role.arn, role.id
        result = self.emu.forward(req, account)
        if result[0].startswith("200") and arn and unique_id:
            self.replace_principal_everywhere(arn, unique_id)
        return result

    def replace_principal_everywhere(self, arn: str, unique_id: str) -> None:
        """IAM shows a deleted principal's unique id wherever a trust policy named it."""
        for acct in self.emu.known_accounts():
            backend = self.emu.iam_if_exists(acct)
            if backend is None:
                continue
            for role in backend.roles.values():
                doc = pol.load_document(role.assume_role_policy_document)
                if map_aws_principals(doc, lambda value: unique_id if value == arn else value):
                    role.assume_role_policy_document = json.dumps(doc)

    def account_summary(self, req: Request, account: str) -> Response:
        """moto's realistic SummaryMap, with the trust-policy size quota this emulator enforces."""
        self.emu.iam(account).account_summary._assume_role_policy_size_quota = self.emu.config.trust_policy_size_quota
        return self.emu.forward(req, account)

    def check_policy_size(self, req: Request, account: str) -> None:
        """IAM's size quotas of identity policies (white space not counted), which moto does not enforce.

        A managed policy (CreatePolicy / CreatePolicyVersion) may hold 6,144 characters; the inline policies of a
        user, group or role together 2,048, 5,120 or 10,240 (PutUserPolicy / PutGroupPolicy / PutRolePolicy).
        """
        p = req.params
        document = p.get("PolicyDocument")
        if document is None:
            return
        size = trust_policy_size(document)
        if req.action in ("CreatePolicy", "CreatePolicyVersion"):
            if size > MANAGED_POLICY_SIZE:
                raise AwsError(409, "LimitExceeded", f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_SIZE}")
            return
        kind, name_param, quota = INLINE_POLICY_SIZE[req.action]
        name = p.get(name_param, "")
        backend = self.emu.iam(account)
        if kind == "role":
            holder = next((r for r in backend.roles.values() if r.name == name), None)
        elif kind == "user":
            holder = backend.users.get(name)
        else:
            holder = backend.groups.get(name)
        if holder is None:
            return  # moto answers NoSuchEntity
        others = sum(trust_policy_size(str(doc)) for policy_name, doc in holder.policies.items()
                     if policy_name != p.get("PolicyName"))
        if size + others > quota:
            raise AwsError(409, "LimitExceeded", f"Maximum policy size of {quota} bytes exceeded for {kind} {name}")
