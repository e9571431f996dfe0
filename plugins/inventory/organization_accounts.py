# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: organization_accounts
author:
  - crossaccount.aws contributors (@crossaccount)
short_description: The member accounts of an AWS Organization as inventory hosts
version_added: 0.2.0
description:
  - Reads the accounts of an AWS Organization with the AWS Organizations API and makes one host per account, so a play can
    run once per account (for example to create a role in every member through C(OrganizationAccountAccessRole)).
  - Every host gets C(ansible_connection=local) (the tasks run on the controller and reach the account over the AWS API)
    and the variables C(aws_account_id), C(aws_account_name), C(aws_account_email), C(aws_account_status),
    C(aws_account_ou_path) (such as C(Root/Workloads/Prod)), C(aws_account_ou_id) (the OU id, or the root id for accounts
    directly under the root), C(aws_account_tags) (dict), C(aws_account_access_role_arn) (the ARN of O(access_role_name)
    in the account, in the organization's partition) and C(aws_account_joined_method) (C(CREATED) for an account the
    organization created, C(INVITED) for one that joined by invitation, from the account's C(JoinedMethod); added in
    version 0.3.0). An invited account has C(OrganizationAccountAccessRole) only if someone created it.
  - Groups are C(organization_accounts) (every host) and one group per OU path, named C(ou_) plus the path in lower case with
    every run of characters other than letters and digits turned into C(_) (C(Root/Workloads/Prod) is
    C(ou_root_workloads_prod)); a name without any ASCII letter or digit is replaced by its OU id. OU groups are nested like
    the OUs (C(ou_root_workloads) has the child group C(ou_root_workloads_prod)), so a group holds the accounts of its sub-OUs
    too. Only OUs that hold a selected account, and the OUs above them, become groups.
  - The filters O(ou_paths), O(include_account_ids), O(exclude_account_ids), O(include_management_account), O(statuses) and
    O(tag_filters) all apply together; an account is a host only when it passes every one of them.
  - The connection options are those of the organization's management account, or of a member account registered as a
    delegated administrator; other callers fail with one line naming the AWS error.
  - Every option is validated before the first AWS call.
options:
  plugin:
    description:
      - Marks the file as a configuration of this plugin.
    type: str
    required: true
    choices: [crossaccount.aws.organization_accounts]
  ou_paths:
    description:
      - Limit the inventory to these OUs and every OU below them.
      - Each entry is a path of OU names from the root, separated by C(/), starting with the root's name (C(Root)), such
        as C(Root/Workloads/Prod); or an OU id such as C(ou-ab12-cdef3456). V(Root) selects the whole organization.
      - Names are compared exactly (case-sensitive), as AWS stores them. An entry that names no OU fails the inventory,
        listing the OUs that do exist at that level. Select an OU whose name contains C(/) by its id.
      - When unset, the whole organization.
    type: list
    elements: str
  include_account_ids:
    description:
      - Keep only these accounts (12-digit ids, quoted in YAML). The other filters still apply; an id that ends up without a
        host is reported in a warning.
    type: list
    elements: str
  exclude_account_ids:
    description:
      - Leave out these accounts.
    type: list
    elements: str
    default: []
  include_management_account:
    description:
      - Make a host of the organization's management account too. It is left out by default, because the usual work on
        member accounts (such as assuming O(access_role_name)) does not apply to it.
    type: bool
    default: false
  statuses:
    description:
      - Keep only accounts in one of these states, out of C(ACTIVE), C(SUSPENDED), C(PENDING_CLOSURE), C(PENDING_ACTIVATION)
        and C(CLOSED).
      - The filter is compared with the account's C(State) (C(Status) from endpoints that do
        not send C(State) yet). Case-insensitive.
    type: list
    elements: str
    default: [ACTIVE]
  tag_filters:
    description:
      - Keep only accounts whose tags match. Keys are tag keys (case-sensitive); a value is one tag value or a list of
        values, any of which matches. Every key must match.
    type: dict
    default: {}
  access_role_name:
    description:
      - Name of the role in each member account that the management account can assume, used to build
        C(aws_account_access_role_arn). AWS creates C(OrganizationAccountAccessRole) in accounts created through
        AWS Organizations; AWS Control Tower uses C(AWSControlTowerExecution).
    type: str
    default: OrganizationAccountAccessRole
  hostnames:
    description:
      - What names each host. V(name) is the account name with every character other than ASCII letters, digits, C(.),
        C(_) and C(-) replaced by C(_) (C(Team A/Prod) is C(Team_A_Prod)); the raw name stays in C(aws_account_name).
        An account whose cleaned name is empty or only dots, or equal to that of another account (AWS does not keep
        names unique), is named by its account id instead. V(id) is the 12-digit account id.
    type: str
    default: name
    choices: [name, id]
extends_documentation_fragment:
  - crossaccount.aws.connection
  - constructed
  - inventory_cache
notes:
  - "AWS calls: one C(organizations:DescribeOrganization), one C(organizations:ListRoots), one
    C(organizations:ListOrganizationalUnitsForParent) and one C(organizations:ListAccountsForParent) per OU read (plus one
    page per 20 accounts), and one C(organizations:ListTagsForResource) per account that passed every other filter (tags
    are in no list answer). With O(ou_paths) only the selected part of the organization is listed. C(ListAccounts) with
    C(ListParents) would need one call per account to learn its OU."
  - With O(cache=true) a later run reads the cache and makes no AWS call until O(cache_timeout) passes or
    C(ansible-inventory --flush-cache) is used. The cache key includes every option of this plugin except the secrets,
    so editing the file reads the organization again. The cache holds no secret.
  - Values read from AWS (account names, emails, OU paths, tags) and the results of O(compose) are never templated by
    Ansible, on every supported ansible-core version, so a name such as C({{ lookup(...) }}) or an OU name whose first line
    is a C(#jinja2:) header stays text. C(ansible-inventory --list) shows each such value as a dict whose one key is
    C(__ansible_unsafe), Ansible's marker for text that must never be templated, which ansible-core reads back as text.
  - Host names hold only ASCII letters, digits, C(.), C(_) and C(-), and group names made by O(keyed_groups) only ASCII
    letters, digits and C(_) (other characters become C(_)), whatever C(TRANSFORM_INVALID_GROUP_CHARS) says, because older
    ansible-core versions template C(inventory_hostname), C(ansible_play_hosts) and C(group_names).
  - The hosts run tasks on the controller. Modules need the Python that has boto3; set
    C(ansible_python_interpreter={{ ansible_playbook_python }}) for the play or in C(group_vars/organization_accounts.yml).
seealso:
  - name: AWS Organizations API reference
    description: ListAccountsForParent, ListOrganizationalUnitsForParent and ListTagsForResource.
    link: https://docs.aws.amazon.com/organizations/latest/APIReference/Welcome.html
"""

EXAMPLES = r"""
# aws.organization_accounts.yml: every ACTIVE member account, read with the management account's profile.
plugin: crossaccount.aws.organization_accounts
profile: management-admin

---
# prod.organization_accounts.yml: the production OU and its sub-OUs, team groups, account ids as host names.
plugin: crossaccount.aws.organization_accounts
profile: management-admin
ou_paths:
  - Root/Workloads/Prod
tag_filters:
  team: [blue, red]
exclude_account_ids:
  - "222222222222"
hostnames: id
keyed_groups:
  - key: aws_account_tags.team | default('none')
    prefix: team
compose:
  region: "'eu-west-1'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 3600
"""

import hashlib
import json
import typing as t

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.group import to_safe_group_name
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    AwsConnection,
    ConnectionSettings,
    OptionAdapter,
    connection_argspec,
    quiet_sdk_loggers,
    settings_from,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, one_line
from ansible_collections.crossaccount.aws.plugins.plugin_utils._organizations import (
    ALL_ACCOUNTS_GROUP,
    CACHE_FORMAT,
    InventoryRequest,
    group_name,
    hostnames,
    read_organization,
    request_from_options,
)
from ansible_collections.crossaccount.aws.plugins.plugin_utils._secret_options import check_secret_shapes, secret_names

SECRET_OPTIONS = secret_names(connection_argspec())


def _inert(value: t.Any) -> t.Any:
    """A value read from AWS, marked as text Ansible never renders, on every core this collection supports.

    ``wrap_var`` wraps text as unsafe on ansible-core 2.17/2.18 and takes away any template trust on 2.19+
    (where a cache plugin may hand back trusted text), recursively, dict keys included. Trusting "harmless"
    text is not safe: a brace-free value whose first line is a ``#jinja2:`` header moves the delimiters.
    """
    return wrap_var(value)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "crossaccount.aws.organization_accounts"

    def verify_file(self, path: str) -> bool:
        return bool(super().verify_file(path)) and path.endswith(("organization_accounts.yml", "organization_accounts.yaml"))

    @staticmethod
    def _sanitize_group_name(name: str) -> str:
        # keyed_groups names come from values read from AWS; ansible-core before 2.19 renders group_names and
        # keeps a group name as it is unless TRANSFORM_INVALID_GROUP_CHARS says otherwise: letters, digits and
        # "_" only, always, without echoing the raw value at -vvvv.
        return str(to_safe_group_name(name, force=True, silent=True))

    def parse(self, inventory: t.Any, loader: t.Any, path: str, cache: bool = True) -> None:
        quiet_sdk_loggers()
        super().parse(inventory, loader, path, cache)
        self._check_secret_shapes(path)
        try:
            self._read_config_data(path)
        except AnsibleError as exc:
            raise AnsibleParserError(one_line(exc.message)) from None
        try:
            options = OptionAdapter.from_plugin(self)
            request = request_from_options(options)
            settings = settings_from(options)
            data = self._data(path, request, settings, cache)
        except CrossAccountError as exc:
            raise AnsibleParserError(one_line(exc.msg)) from None
        self._populate(data, request)

    def _check_secret_shapes(self, path: str) -> None:
        # Before ansible-core's own type checks, whose messages quote the value; a file it cannot read is its to report.
        try:
            config = self.loader.load_from_file(path, cache="none")
        except AnsibleError:
            return
        if isinstance(config, t.Mapping):
            try:
                check_secret_shapes(config, SECRET_OPTIONS)
            except CrossAccountError as exc:
                raise AnsibleParserError(one_line(exc.msg)) from None

    def _data(self, path: str, request: InventoryRequest, settings: ConnectionSettings, cache: bool) -> dict[str, t.Any]:
        use_cache = bool(self.get_option("cache"))
        key = f"{self.get_cache_key(path)}_{_options_digest(request, settings)}"
        if use_cache and cache:
            try:
                cached = self._cache[key]
            except KeyError:
                cached = None
            if isinstance(cached, dict) and cached.get("format") == CACHE_FORMAT:
                return cached
        data = read_organization(AwsConnection(settings), request)
        if use_cache:
            self._cache[key] = data
        return data

    def _populate(self, data: t.Mapping[str, t.Any], request: InventoryRequest) -> None:
        ous = data.get("ous") or {}
        strict = self.get_option("strict")
        self.inventory.add_group(ALL_ACCOUNTS_GROUP)
        records = data["accounts"]
        for host, record in zip(hostnames(records, request.hostnames), records):
            self.inventory.add_host(host, group=ALL_ACCOUNTS_GROUP)
            self._add_to_ou_groups(host, str(record["aws_account_ou_path"]), ous)
            variables = {name: _inert(value) for name, value in record.items()}
            variables["ansible_connection"] = "local"
            for name, value in variables.items():
                self.inventory.set_variable(host, name, value)
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._compose_results_inert(host)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
        if request.include_account_ids:
            found = {record["aws_account_id"] for record in data["accounts"]}
            missing = sorted(request.include_account_ids - found)
            if missing:
                self.display.warning(
                    f"{self.NAME}: include_account_ids: no host for {', '.join(missing)} (not in the selected OUs, "
                    "not in the organization, or left out by statuses, tag_filters, exclude_account_ids or include_management_account)"
                )

    def _compose_results_inert(self, host: str) -> None:
        # A compose result is made of values read from AWS: the same marking as theirs, whatever the core made of it.
        host_vars = self.inventory.get_host(host).get_vars()
        for name in self.get_option("compose") or {}:
            if name in host_vars:
                self.inventory.set_variable(host, name, _inert(host_vars[name]))

    def _add_to_ou_groups(self, host: str, path: str, ous: t.Mapping[str, str]) -> None:
        segments = path.split("/")
        parent = None
        for depth in range(1, len(segments) + 1):
            group = self.inventory.add_group(group_name("/".join(segments[:depth]), ous))
            if parent is not None:
                self.inventory.add_child(parent, group)
            parent = group
        self.inventory.add_child(parent, host)


def _options_digest(request: InventoryRequest, settings: ConnectionSettings) -> str:
    # Editing the filters must not serve the accounts of the old ones; secrets stay out of the key.
    material = {
        "ou_paths": [list(selector) for selector in request.ou_paths],
        "include_account_ids": None if request.include_account_ids is None else sorted(request.include_account_ids),
        "exclude_account_ids": sorted(request.exclude_account_ids),
        "include_management_account": request.include_management_account,
        "statuses": sorted(request.statuses),
        "tag_filters": {key: list(values) for key, values in request.tag_filters.items()},
        "access_role_name": request.access_role_name,
        "hostnames": request.hostnames,
        "connection": settings.public(),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]
