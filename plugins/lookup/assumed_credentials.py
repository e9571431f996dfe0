# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: assumed_credentials
author:
  - crossaccount.aws contributors (@crossaccount)
short_description: Temporary credentials of an assumed IAM role, cached between tasks
version_added: 0.1.0
description:
  - Calls C(sts:AssumeRole) for each role ARN given as a term, with the source principal described by the connection options
    (or boto3's own credential chain), and returns the temporary credentials in a shape ready for C(module_defaults),
    the C(environment) keyword or an AWS C(credential_process).
  - With O(via), the hops are assumed in order before the role, the credentials of one hop being the source of the next;
    every hop is cached, so a fleet of N accounts reached through one hub role makes 1 + N C(sts:AssumeRole) calls.
  - With O(web_identity_token) or O(web_identity_token_file), the first role of the chain is assumed with
    C(sts:AssumeRoleWithWebIdentity) (an OpenID Connect token, for example of a CI job) and no source credentials are needed.
  - For C(command)/C(shell) tasks that run the AWS CLI or an SDK, use O(format=profile); the environment it returns names a
    generated profile instead of holding keys, and the CLI or SDK refresh the credentials on their own.
  - Credentials are cached on disk, so that a play of many tasks, hosts and forks makes one C(sts:AssumeRole) call per
    role and parameters until the credentials come close to expiring.
  - Every option is validated before the first AWS call; bad input fails with a message naming the option.
  - AWS rejects a freshly created role or trust policy for a few seconds; O(wait_timeout) keeps retrying C(AccessDenied)
    with a bounded backoff, so a role created earlier in the same play can be assumed without a pause task.
options:
  _terms:
    description:
      - ARNs of the roles to assume, such as C(arn:aws:iam::123456789012:role/Deploy). One result per term.
    type: list
    elements: str
    required: true
  role_session_name:
    description:
      - Name of the role session, visible in the target account's CloudTrail.
      - 2 to 64 letters, digits and C(+=,.@_-).
      - Defaults to C(ansible-<local user name>-<unix time>). A derived name does not take part in the cache key, so
        cached credentials are re-used across runs; set the name explicitly when the trust policy checks C(sts:RoleSessionName).
    type: str
  mfa_token:
    description:
      - Current six-digit code of the MFA device O(mfa_serial_number). It is not part of the cache key, so cached credentials
        are returned without a new code until they come close to expiring.
    type: str
  policy:
    type: raw
  format:
    description:
      - Shape of each result.
      - V(module_args) gives C(access_key), C(secret_key), C(session_token) and C(region) (plus C(endpoint_url) when
        O(endpoint_url) was set), the connection options of this collection's and the amazon.aws collection's modules, for
        C(module_defaults) or module arguments. The expiration time is deliberately left out, because Ansible passes every
        key of C(module_defaults) to the module and modules reject unknown options.
      - V(env) gives C(AWS_ACCESS_KEY_ID), C(AWS_SECRET_ACCESS_KEY), C(AWS_SESSION_TOKEN), C(AWS_CREDENTIAL_EXPIRATION) and,
        when the region is known, C(AWS_REGION) and C(AWS_DEFAULT_REGION), for the C(environment) keyword.
      - V(credential_process) gives the version 1 JSON object of an AWS C(credential_process) (C(Version), C(AccessKeyId),
        C(SecretAccessKey), C(SessionToken), C(Expiration), C(AccountId)).
      - V(profile) gives C(AWS_CONFIG_FILE), C(AWS_PROFILE) and C(AWS_SDK_LOAD_CONFIG), never a key or token, for the
        C(environment) keyword of C(command)/C(shell) tasks. C(AWS_CONFIG_FILE) is a C(0600) file in O(cache_dir) whose profile
        gets its credentials through C(credential_process) from this lookup's cache (a script of this collection, run with the
        controller's Python). When the cached credentials come close to expiring, it assumes the role chain again from the
        source described in a C(0600) file next to it, so long-running commands keep working. Nothing secret is on a command
        line or in any file. Needs O(cache=true). Controller-side only; the files live on the controller, so use it for
        tasks that run there (C(connection=local), C(delegate_to=localhost)).
      - With O(format=profile), a long-lived secret is never written to disk. With explicit O(access_key)/O(secret_key)/
        O(session_token) or an inline O(web_identity_token), the profile serves the session this lookup cached until it
        expires, then fails with one line saying so; give the lookup a O(profile), the environment's credentials or
        O(web_identity_token_file) for a profile that refreshes.
      - With O(format=profile) and MFA, the credential process cannot ask for a new code. Once the cached credentials of the
        first role of the chain expire, it fails with a message to run the lookup again.
      - With O(format=profile), a CA bundle (O(aws_ca_bundle), or the source profile's C(ca_bundle)) is written into
        the generated profile, but O(validate_certs=false) is not, because the AWS config file has no setting that turns certificate
        checks off, so the CLI and SDKs keep checking them (pass C(--no-verify-ssl) to the AWS CLI if you must).
    type: str
    default: module_args
    choices: [module_args, env, credential_process, profile]
  cache:
    description:
      - Keep the credentials in O(cache_dir) and re-use them until they come within the refresh window of their expiry.
      - V(false) makes one C(sts:AssumeRole) call per use.
    type: bool
    default: true
  cache_dir:
    description:
      - Directory of the credential cache. When the lookup creates it, it is created with mode C(0700); every entry is a C(0600)
        file. An existing directory is used as it is (never chmod'ed).
      - An existing directory that is a symlink, belongs to another user, or is writable by group or others (such as C(/tmp)) is
        refused; so is a directory below one that another user owns or may write to (unless it is root's and sticky, like
        C(/tmp)), since whoever may rename the cache directory could put one of their own in its place. The lookup then warns,
        naming O(cache_dir), and works without cache (with O(format=profile) it fails instead).
        An entry that is a symlink, belongs to another user, is readable by others, or is corrupt is ignored and replaced.
      - Temporary files left by a process killed while writing an entry are removed on a later use.
    type: path
    default: ~/.ansible/tmp/crossaccount_aws_credentials
    env:
      - name: CROSSACCOUNT_AWS_CACHE_DIR
  refresh_window:
    description:
      - Cached credentials are not returned when they expire within this many seconds; new ones are fetched instead.
      - The default is a third of the credentials' lifetime, at most 300 seconds, so that 900-second sessions stay usable for
        600 seconds (a fixed 15-minute window, as in botocore, would refresh them on every use).
    type: int
extends_documentation_fragment:
  - crossaccount.aws.connection
  - crossaccount.aws.assume_role
notes:
  - The cache key is a SHA-256 digest of the source side (the public connection options, the certificate check
    (O(validate_certs), O(aws_ca_bundle) or the CA bundle of the profile or E(AWS_CA_BUNDLE)), the C(AWS_PROFILE),
    C(AWS_ACCESS_KEY_ID), C(AWS_CONFIG_FILE), C(AWS_SHARED_CREDENTIALS_FILE) and C(AWS_ENDPOINT_URL) environment variables, and
    the access key id botocore resolved for the source, so a profile whose keys changed never gets the previous principal's
    credentials; for a profile that itself assumes a role, its role and source profile instead; no secret) and of the role
    ARN, session name, external id, duration, MFA device, session policies, tags and source identity, and of every O(via) hop
    before it, and of the web identity token's SHA-256 digest (never the token). Making no network call to compute it keeps
    cache hits free of AWS calls.
  - One lookup never calls C(sts:AssumeRole) twice for the same role, even when the cache fails in between (a second call
    would reuse a one-time MFA code).
  - Concurrent forks wait on a per-key lock file, so they make one C(sts:AssumeRole) call between them.
  - Secrets are never written to Ansible's output by this lookup, and the botocore loggers are kept above DEBUG so that
    the Ansible log (C(log_path)) never receives signed requests. Modules of this collection and of amazon.aws mark C(secret_key) and
    C(session_token) as C(no_log), so C(module_defaults) built from this lookup are masked in task results at every verbosity.
  - Ansible itself prints the C(environment) of every command it runs at verbosity C(-vvv) and above (see
    U(https://github.com/ansible/ansible/issues/24181)), even with C(no_log). Prefer O(format=module_args) with
    C(module_defaults) for AWS modules, and O(format=profile) for commands; use O(format=env) only when a command cannot read
    an AWS config file and high verbosity output is not shared.
  - With O(format=profile), AWS credentials in the controller's environment (C(AWS_ACCESS_KEY_ID) and friends) take precedence
    over the profile in the AWS CLI and SDKs; do not set them for such tasks.
  - The result holds secrets. Do not print it (for example with C(ansible.builtin.debug)) and do not store it in facts that
    are displayed or cached; set C(no_log) on tasks that pass it to modules that do not mark these options C(no_log).
seealso:
  - module: crossaccount.aws.assume_role
  - module: crossaccount.aws.aws_profile
"""

EXAMPLES = r"""
- name: Manage resources in the target account with credentials of a role there (one AssumeRole for the whole block)
  module_defaults:
    group/crossaccount.aws.aws: "{{ lookup('crossaccount.aws.assumed_credentials', target_role_arn, profile='source-admin') }}"
    group/amazon.aws.aws: "{{ lookup('crossaccount.aws.assumed_credentials', target_role_arn, profile='source-admin') }}"
  block:
    - name: Read the caller identity as the assumed role
      crossaccount.aws.verify_access:
        expected_account_id: "123456789012"

# No key or token in the environment (Ansible prints it at -vvv): the CLI reads a generated profile and refreshes on its own.
- name: Run the AWS CLI with the assumed role
  ansible.builtin.command: aws s3 ls
  environment: "{{ lookup('crossaccount.aws.assumed_credentials', 'arn:aws:iam::123456789012:role/Reader', format='profile', external_id='partner-42') }}"
  changed_when: false

# Only where no config file can be used: the keys themselves, shown by ansible-playbook -vvv.
- name: Run a tool that reads only environment variables
  ansible.builtin.command: ./legacy-tool
  environment: "{{ lookup('crossaccount.aws.assumed_credentials', 'arn:aws:iam::123456789012:role/Reader', format='env') }}"
  changed_when: false

- name: Every member account through one hub role (the hub is assumed once for all of them)
  ansible.builtin.command: aws ec2 describe-vpcs
  environment: "{{ lookup('crossaccount.aws.assumed_credentials', 'arn:aws:iam::' ~ aws_account_id ~ ':role/Auditor',
                          via=['arn:aws:iam::111111111111:role/Hub'], format='profile') }}"
  changed_when: false

- name: From a CI job's OpenID Connect token, no keys at all
  ansible.builtin.command: aws s3 ls
  environment: "{{ lookup('crossaccount.aws.assumed_credentials', 'arn:aws:iam::123456789012:role/Deployer',
                          web_identity_token_file=lookup('ansible.builtin.env', 'CI_OIDC_TOKEN_FILE'), format='profile') }}"
  changed_when: false

- name: Role that requires MFA, 15-minute session, no cache
  ansible.builtin.set_fact:
    short_lived: "{{ lookup('crossaccount.aws.assumed_credentials', role_arn, mfa_serial_number=mfa_arn, mfa_token=mfa_code,
                            duration_seconds=900, cache=false) }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description:
    - One dictionary per role ARN, shaped by O(format).
  type: list
  elements: dict
  contains:
    access_key:
      description: Access key id of the temporary credentials (O(format=module_args)).
      type: str
    secret_key:
      description: Secret access key (O(format=module_args)).
      type: str
    session_token:
      description: Session token (O(format=module_args)).
      type: str
    region:
      description: Region of the source connection, or V(null) when none is configured (O(format=module_args)).
      type: str
    endpoint_url:
      description: O(endpoint_url), only when it was set (O(format=module_args)).
      type: str
    AWS_CONFIG_FILE:
      description: The generated AWS config file (O(format=profile)).
      type: str
    AWS_PROFILE:
      description: The profile of that file whose C(credential_process) serves the credentials (O(format=profile)).
      type: str
    AWS_SDK_LOAD_CONFIG:
      description: C(1), so that SDKs that read the config file only on request do (O(format=profile)).
      type: str
"""

import typing as t

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible_collections.crossaccount.aws.plugins.module_utils import _validators_session as v_session
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import (
    AwsConnection,
    ConnectionSettings,
    OptionAdapter,
    connection_argspec,
    quiet_sdk_loggers,
    settings_from,
)
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, one_line
from ansible_collections.crossaccount.aws.plugins.module_utils._sts import AssumedCredentials
from ansible_collections.crossaccount.aws.plugins.module_utils._sts_request import (
    AssumeRoleRequest,
    assume_role_argspec,
    check_web_identity_step,
    request_from_options,
)
from ansible_collections.crossaccount.aws.plugins.plugin_utils._assumed import (
    descriptor_options,
    fetch_chain,
    profile_cache_ready,
    source_of,
    step_keys,
    write_profile,
)
from ansible_collections.crossaccount.aws.plugins.plugin_utils._credential_cache import CredentialCache
from ansible_collections.crossaccount.aws.plugins.plugin_utils._secret_options import check_secret_shapes, secret_names

display = Display()

SECRET_OPTIONS = secret_names(connection_argspec(), assume_role_argspec())


class _TermOptions(OptionAdapter):
    """The plugin's options with ``role_arn`` taken from the current term."""

    def __init__(self, plugin: LookupBase, role_arn: t.Any) -> None:
        base = OptionAdapter.from_plugin(plugin)

        def getter(name: str) -> t.Any:
            return role_arn if name == "role_arn" else base.get(name)

        super().__init__(getter)


class LookupModule(LookupBase):
    def run(self, terms: list[t.Any], variables: dict[str, t.Any] | None = None, **kwargs: t.Any) -> list[dict[str, t.Any]]:
        # Keep botocore quiet before anything could configure it: its DEBUG output carries signed headers.
        quiet_sdk_loggers()
        self._reject_unknown(kwargs)
        try:
            # Before ansible-core's own type checks, whose messages quote the value.
            check_secret_shapes(kwargs, SECRET_OPTIONS)
        except CrossAccountError as exc:
            raise AnsibleLookupError(one_line(exc.msg)) from None
        try:
            self.set_options(var_options=variables, direct=kwargs)
        except AnsibleError as exc:
            raise AnsibleLookupError(one_line(exc.message)) from None
        try:
            return self._run(terms)
        except CrossAccountError as exc:
            raise AnsibleLookupError(one_line(exc.msg)) from None

    def _reject_unknown(self, kwargs: t.Mapping[str, t.Any]) -> None:
        known: set[str] = set()
        for name, definition in (self.option_definitions or {}).items():
            if name.startswith("_"):
                continue
            known.add(name)
            known.update((definition or {}).get("aliases") or [])
        unknown = sorted(key for key in kwargs if key not in known)
        if unknown:
            raise AnsibleLookupError(
                f"{unknown[0]}: unknown option of crossaccount.aws.assumed_credentials; valid options: {', '.join(sorted(known))}"
            )

    def _validated(self, terms: list[t.Any]) -> tuple[ConnectionSettings, list[AssumeRoleRequest]]:
        options = OptionAdapter.from_plugin(self)
        v_session.credential_format(options.get("format", "module_args"), bool(options.get("cache", True)))
        v_session.refresh_window(options.get("refresh_window"))
        settings = settings_from(options)
        v_session.role_arn_terms(terms)
        requests = [request_from_options(_TermOptions(self, term)) for term in terms]
        for request in requests:
            check_web_identity_step(request)
        return settings, requests

    def _run(self, terms: list[t.Any]) -> list[dict[str, t.Any]]:
        # Everything is validated for every term before the first AWS call.
        settings, requests = self._validated(terms)
        options = OptionAdapter.from_plugin(self)
        fmt = options.get("format", "module_args")
        connection = AwsConnection(settings)
        use_cache = options.get("cache", True)
        cache = CredentialCache(options.get("cache_dir"), refresh_window=options.get("refresh_window")) if use_cache else None

        results = []
        for term, request in zip(terms, requests):
            keys = step_keys(source_of(connection, request), request) if cache is not None else None
            if fmt == "profile" and cache is not None:
                # The profile's credential_process reads this cache: without it there is nothing to serve.
                profile_cache_ready(cache)
            creds, fetched = fetch_chain(connection, request, cache, _warn, keys=keys)
            if cache is not None and keys is not None:
                # Only non-secret facts at high verbosity: which entry, and whether AWS was called per step.
                steps = ", ".join("miss" if was else "hit" for was in fetched) or "none"
                display.vvvv(f"crossaccount.aws.assumed_credentials: entry {keys[-1][:12]}: cache {steps}")
            if fmt == "profile" and cache is not None and keys is not None:
                results.append(self._profile(cache, keys[-1], settings, connection, term))
            else:
                results.append(self._shape(creds, settings, connection, fmt))
        return results

    def _profile(self, cache: CredentialCache, key: str, settings: ConnectionSettings, connection: AwsConnection,
                 term: t.Any) -> dict[str, str]:
        names = [*connection_argspec(), *assume_role_argspec(), "refresh_window"]
        stored = descriptor_options(_TermOptions(self, term), names, str(term))
        endpoint = settings.endpoint_url or _profile_setting(connection, "endpoint_url")
        ca_bundle = settings.verify if isinstance(settings.verify, str) else _profile_setting(connection, "ca_bundle")
        return write_profile(cache, key, stored, connection.configured_region, endpoint, ca_bundle)

    @staticmethod
    def _shape(creds: AssumedCredentials, settings: ConnectionSettings, connection: AwsConnection, fmt: str) -> dict[str, t.Any]:
        if fmt == "credential_process":
            return creds.credential_process()
        # The region the source side uses, without inventing one: modules fall back to their own chain otherwise.
        region = connection.configured_region
        if fmt == "env":
            return creds.env(region)
        result = creds.module_args(region)
        if settings.endpoint_url:
            result["endpoint_url"] = settings.endpoint_url
        return result


def _profile_setting(connection: AwsConnection, name: str) -> str | None:
    """A setting of the source profile that the generated profile must carry over (its endpoint, CA bundle)."""
    try:
        value = connection.session.get_scoped_config().get(name)
    except Exception:
        return None
    return str(value) if value else None


def _warn(message: str) -> None:
    display.warning(f"crossaccount.aws.assumed_credentials: {message}")
