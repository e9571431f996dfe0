# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the connection layer (_connection.py): option adapter, precedence, errors, clients.

No test here reaches the network: clients point at a dummy loopback endpoint and only their
configuration is inspected; the one response-driven test uses botocore's Stubber.
"""

from __future__ import annotations

import logging
import os

import pytest
import yaml
from ansible_collections.crossaccount.aws.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.crossaccount.aws.plugins.module_utils import _connection as c
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure
from botocore.stub import Stubber

DUMMY_ENDPOINT = "http://127.0.0.1:9"
KEYS = {"access_key": "AKIAEXAMPLEEXAMPLE01", "secret_key": "secret-value-do-not-show", "session_token": "token-value-do-not-show"}


@pytest.fixture(autouse=True)
def isolated_aws_env(monkeypatch, tmp_path):
    """Keep the developer's AWS_* variables and ~/.aws files out of every test."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    # No instance-metadata probing if a test ever falls through to the credential chain.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


class FakeModule:
    def __init__(self, params):
        self.params = params


class FakePlugin:
    """Mimics AnsiblePlugin.get_option: KeyError for options the plugin does not define."""

    def __init__(self, options):
        self._options = options

    def get_option(self, name):
        if name not in self._options:
            raise KeyError(name)
        return self._options[name]


# ---------------------------------------------------------------------------------------------
# argument spec and doc fragment


def test_argspec_names_and_aliases_match_the_spec():
    spec = c.CONNECTION_ARGSPEC
    assert set(spec) == {"profile", "access_key", "secret_key", "session_token", "region", "endpoint_url", "validate_certs", "aws_ca_bundle"}
    assert spec["profile"]["aliases"] == ["aws_profile"]
    assert spec["access_key"]["aliases"] == ["aws_access_key_id", "aws_access_key"]
    assert spec["secret_key"]["aliases"] == ["aws_secret_access_key", "aws_secret_key"]
    assert spec["session_token"]["aliases"] == ["aws_session_token"]
    assert spec["region"]["aliases"] == ["aws_region"]
    assert spec["endpoint_url"]["aliases"] == ["aws_endpoint_url"]


def test_secrets_are_no_log():
    assert c.CONNECTION_ARGSPEC["secret_key"]["no_log"] is True
    assert c.CONNECTION_ARGSPEC["session_token"]["no_log"] is True


def test_connection_argspec_is_a_copy():
    spec = c.connection_argspec()
    spec["profile"]["aliases"].append("mutated")
    assert c.CONNECTION_ARGSPEC["profile"]["aliases"] == ["aws_profile"]


def test_doc_fragment_documents_exactly_the_argspec():
    # validate-modules compares each module's docs to its argspec; this catches drift in the one
    # shared fragment before every module fails sanity at once.
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(c.CONNECTION_ARGSPEC)
    for name, spec in c.CONNECTION_ARGSPEC.items():
        doc = documented[name]
        assert doc.get("type", "str") == spec.get("type", "str"), name
        assert doc.get("aliases", []) == spec.get("aliases", []), name
        assert doc.get("default") == spec.get("default"), name


# ---------------------------------------------------------------------------------------------
# OptionAdapter


def test_adapter_from_dict():
    options = c.OptionAdapter.from_dict({"region": "eu-west-1", "profile": None, "endpoint_url": ""})
    assert options.get("region") == "eu-west-1"
    assert options.get("profile") is None
    assert options.get("profile", "fallback") == "fallback"
    assert options.get("endpoint_url") is None  # "" means unset
    assert options.get("missing", 7) == 7


def test_adapter_from_module_reads_params():
    module = FakeModule({"region": "us-gov-west-1", "validate_certs": False})
    options = c.OptionAdapter.from_module(module)
    assert options.get("region") == "us-gov-west-1"
    # False is a real value, not "unset": only None and "" fall back to the default.
    assert options.get("validate_certs", True) is False
    module.params["region"] = "cn-north-1"
    assert options.get("region") == "cn-north-1"


def test_adapter_from_plugin_unknown_option_is_unset():
    options = c.OptionAdapter.from_plugin(FakePlugin({"region": "eu-central-1", "profile": ""}))
    assert options.get("region") == "eu-central-1"
    assert options.get("profile") is None
    assert options.get("endpoint_url") is None
    assert options.get("endpoint_url", "x") == "x"


@pytest.mark.parametrize(
    "factory",
    [c.OptionAdapter.from_dict, lambda d: c.OptionAdapter.from_module(FakeModule(d)), lambda d: c.OptionAdapter.from_plugin(FakePlugin(d))],
    ids=["dict", "module", "plugin"],
)
def test_all_adapters_give_the_same_settings(factory):
    data = {"profile": None, "region": "eu-west-1", "endpoint_url": DUMMY_ENDPOINT, "validate_certs": True, "aws_ca_bundle": None, **KEYS}
    result = c.settings_from(factory(data))
    assert result == c.ConnectionSettings(region="eu-west-1", endpoint_url=DUMMY_ENDPOINT, verify=True, **KEYS)


# ---------------------------------------------------------------------------------------------
# settings_from: precedence and errors


def settings(**options):
    return c.settings_from(c.OptionAdapter.from_dict(options))


def test_nothing_set_leaves_everything_to_boto3():
    assert settings() == c.ConnectionSettings(verify=True)


@pytest.mark.parametrize("key", ["access_key", "secret_key", "session_token"])
def test_profile_with_keys_is_an_error_naming_profile(key):
    with pytest.raises(ValidationFailure) as info:
        settings(profile="p", **{key: "x"})
    assert info.value.option == "profile"
    assert info.value.msg.startswith("profile: cannot be combined")


def test_profile_with_empty_keys_is_fine():
    # Templated-out values arrive as "": they must not count as "explicit keys".
    assert settings(profile="p", access_key="", secret_key="", session_token="").profile == "p"


@pytest.mark.parametrize(
    "options, bad",
    [
        ({"access_key": "AKIA1"}, "secret_key"),
        ({"secret_key": "s"}, "access_key"),
        ({"session_token": "t"}, "session_token"),
        ({"access_key": "AKIA1", "session_token": "t"}, "secret_key"),
    ],
)
def test_incomplete_keys_name_the_missing_option(options, bad):
    with pytest.raises(ValidationFailure) as info:
        settings(**options)
    assert info.value.option == bad
    assert info.value.msg.startswith(f"{bad}: ")
    for secret in ("s", "t"):
        assert f"'{secret}'" not in info.value.msg


def test_keys_with_session_token():
    result = settings(**KEYS)
    assert (result.access_key, result.secret_key, result.session_token) == (KEYS["access_key"], KEYS["secret_key"], KEYS["session_token"])


@pytest.mark.parametrize("url", ["127.0.0.1:5000", "ftp://host", "localhost", "file:///etc/passwd", "javascript:alert(1)"])
def test_bad_endpoint_url(url):
    with pytest.raises(ValidationFailure) as info:
        settings(endpoint_url=url)
    assert info.value.msg.startswith("endpoint_url: must be an http:// or https:// URL")


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "https://sts.us-east-1.amazonaws.com"])
def test_good_endpoint_url(url):
    assert settings(endpoint_url=url).endpoint_url == url


@pytest.mark.parametrize(
    "validate_certs, ca_bundle, verify",
    [
        (None, None, True),
        (True, None, True),
        (False, None, False),
        (True, "/etc/ssl/ca.pem", "/etc/ssl/ca.pem"),
        (None, "/etc/ssl/ca.pem", "/etc/ssl/ca.pem"),
        (False, "/etc/ssl/ca.pem", False),  # turning verification off wins over a bundle
        (True, "", True),
    ],
)
def test_verify_value(validate_certs, ca_bundle, verify):
    assert settings(validate_certs=validate_certs, aws_ca_bundle=ca_bundle).verify == verify


@pytest.mark.parametrize("name", ["profile", "region", "endpoint_url", "access_key"])
def test_empty_strings_are_unset(name):
    assert getattr(settings(**{name: ""}), name) is None


def test_where_prefixes_option_names():
    with pytest.raises(ValidationFailure) as info:
        c.settings_from(c.OptionAdapter.from_dict({"profile": "p", "access_key": "a", "secret_key": "s"}), "target_aws.")
    assert info.value.msg.startswith("target_aws.profile: ")
    with pytest.raises(ValidationFailure) as info:
        c.settings_from(c.OptionAdapter.from_dict({"endpoint_url": "nope"}), "target_aws.")
    assert info.value.msg.startswith("target_aws.endpoint_url: ")


# ---------------------------------------------------------------------------------------------
# normalize_connection_dict (connection option dicts such as verify_access's target_aws)


def test_normalize_resolves_aliases():
    result = c.normalize_connection_dict(
        {
            "aws_profile": "p",
            "aws_region": "eu-west-1",
            "aws_endpoint_url": DUMMY_ENDPOINT,
            "aws_access_key_id": "a",
            "aws_secret_access_key": "s",
            "aws_session_token": "t",
        },
        "target_aws",
    )
    assert result == {"profile": "p", "region": "eu-west-1", "endpoint_url": DUMMY_ENDPOINT, "access_key": "a", "secret_key": "s", "session_token": "t"}


@pytest.mark.parametrize("alias, name", [("aws_access_key", "access_key"), ("aws_secret_key", "secret_key"), ("aws_ca_bundle", "aws_ca_bundle")])
def test_normalize_other_aliases(alias, name):
    assert c.normalize_connection_dict({alias: "v"}, "target_aws") == {name: "v"}


def test_normalize_unknown_key_names_it():
    with pytest.raises(ValidationFailure) as info:
        c.normalize_connection_dict({"region": "us-east-1", "x": 1}, "target_aws")
    assert info.value.option == "target_aws.x"
    assert info.value.msg.startswith("target_aws.x: unknown connection option")
    assert "endpoint_url" in info.value.msg


@pytest.mark.parametrize("value", [None, {}])
def test_normalize_empty(value):
    assert c.normalize_connection_dict(value, "target_aws") == {}


@pytest.mark.parametrize("value", ["profile=x", ["region"], 3])
def test_normalize_requires_a_dict(value):
    with pytest.raises(ValidationFailure) as info:
        c.normalize_connection_dict(value, "target_aws")
    assert info.value.msg.startswith("target_aws: must be a dict")


@pytest.mark.parametrize("raw, expected", [(True, True), (False, False), ("yes", True), ("no", False), ("True", True), ("0", False), (1, True)])
def test_normalize_validate_certs(raw, expected):
    assert c.normalize_connection_dict({"validate_certs": raw}, "target_aws") == {"validate_certs": expected}


def test_normalize_bad_validate_certs():
    with pytest.raises(ValidationFailure) as info:
        c.normalize_connection_dict({"validate_certs": "maybe"}, "target_aws")
    assert info.value.msg == "target_aws.validate_certs: must be a boolean"


def test_normalize_non_string_value():
    with pytest.raises(ValidationFailure) as info:
        c.normalize_connection_dict({"region": ["us-east-1"]}, "target_aws")
    assert info.value.msg.startswith("target_aws.region: must be a string")


def test_normalized_dict_feeds_settings_from_with_where():
    data = c.normalize_connection_dict({"aws_profile": "p", "aws_access_key_id": "a", "aws_secret_access_key": "s"}, "target_aws")
    with pytest.raises(ValidationFailure) as info:
        c.settings_from(c.OptionAdapter.from_dict(data), "target_aws.")
    assert info.value.option == "target_aws.profile"


# ---------------------------------------------------------------------------------------------
# ConnectionSettings never shows secrets


def test_settings_repr_hides_secrets():
    result = settings(region="us-east-1", **KEYS)
    for text in (repr(result), str(result)):
        assert KEYS["secret_key"] not in text
        assert KEYS["session_token"] not in text
        assert KEYS["access_key"] in text  # the key id is not a secret and helps debugging


def test_settings_public_has_no_secrets():
    public = settings(region="us-east-1", endpoint_url=DUMMY_ENDPOINT, **KEYS).public()
    assert public == {"profile": None, "access_key": KEYS["access_key"], "region": "us-east-1", "endpoint_url": DUMMY_ENDPOINT}


# ---------------------------------------------------------------------------------------------
# AwsConnection: clients and identity (no network)


def make_connection(**options):
    return c.AwsConnection(settings(**{**KEYS, "endpoint_url": DUMMY_ENDPOINT, **options}))


def test_client_uses_botocore_standard_retry_mode():
    client = make_connection(region="eu-west-1").client("sts")
    retries = client.meta.config.retries
    assert retries["mode"] == "standard"
    # botocore's max_attempts counts retries, total_max_attempts counts the first call too.
    expected_total = c.RETRY_CONFIG.get("total_max_attempts") or c.RETRY_CONFIG["max_attempts"] + 1
    assert retries["total_max_attempts"] == expected_total
    assert retries["total_max_attempts"] >= 10


def test_client_settings():
    conn = make_connection(region="eu-west-1", validate_certs=False)
    client = conn.client("iam")
    assert client.meta.endpoint_url == DUMMY_ENDPOINT
    assert client.meta.region_name == "eu-west-1"
    assert f"crossaccount.aws/{c.COLLECTION_VERSION}" in client.meta.config.user_agent_extra
    assert client._endpoint.http_session._verify is False  # pylint: disable=protected-access


def test_clients_are_cached_per_service():
    conn = make_connection()
    assert conn.client("sts") is conn.sts
    assert conn.client("iam") is conn.iam
    assert conn.iam is not conn.sts


def test_region_defaults_to_us_east_1():
    conn = make_connection()
    assert conn.region == c.DEFAULT_REGION == "us-east-1"
    assert conn.sts.meta.region_name == "us-east-1"


def test_region_from_boto3_chain(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
    assert make_connection().region == "ap-southeast-2"
    assert make_connection(region="eu-north-1").region == "eu-north-1"  # explicit option wins over the environment


def test_session_gets_explicit_keys():
    credentials = make_connection().session.get_credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (KEYS["access_key"], KEYS["secret_key"], KEYS["session_token"])


def test_unknown_profile_is_one_readable_error():
    conn = c.AwsConnection(settings(profile="no-such-profile"))
    with pytest.raises(CrossAccountError) as info:
        conn.client("sts")
    assert info.value.msg.startswith("SDK session failed: ProfileNotFound")
    assert "no-such-profile" in info.value.msg


def test_profile_from_shared_config(tmp_path):
    (tmp_path / "config").write_text("[profile dev]\nregion = cn-north-1\n")
    (tmp_path / "credentials").write_text("[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\n")
    conn = c.AwsConnection(settings(profile="dev", endpoint_url=DUMMY_ENDPOINT))
    assert conn.region == "cn-north-1"
    assert conn.session.get_credentials().access_key == "AKIADEV"


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_identity_parses_partition(partition):
    conn = make_connection()
    arn = f"arn:{partition}:sts::111111111111:assumed-role/Admin/s"
    with Stubber(conn.sts) as stub:
        stub.add_response("get_caller_identity", {"Account": "111111111111", "Arn": arn, "UserId": "AROAEXAMPLE:s"})
        assert conn.identity() == {"account": "111111111111", "arn": arn, "user_id": "AROAEXAMPLE:s", "partition": partition}
        # Cached: a second call would hit an empty Stubber queue and raise.
        assert conn.account_id == "111111111111"
        assert conn.partition == partition


def test_identity_error_names_operation_and_code():
    conn = make_connection()
    with Stubber(conn.sts) as stub:
        stub.add_client_error(
            "get_caller_identity", service_error_code="InvalidClientTokenId", service_message="The security token is invalid.", http_status_code=403
        )
        with pytest.raises(CrossAccountError) as info:
            conn.identity()
    assert info.value.msg == "sts:GetCallerIdentity failed: InvalidClientTokenId: The security token is invalid."
    assert info.value.code == "InvalidClientTokenId"
    assert info.value.operation == "sts:GetCallerIdentity"


def test_sdk_debug_loggers_are_quieted():
    logger = logging.getLogger("botocore")
    old = logger.level
    try:
        logger.setLevel(logging.DEBUG)
        make_connection()
        assert logger.getEffectiveLevel() >= logging.INFO
    finally:
        logger.setLevel(old)


@pytest.mark.parametrize("option", ["secret_key", "session_token"])
@pytest.mark.parametrize("value", ["first-line\nQZX123", "tab\tQZX123", "space QZX123", "esc\x1bQZX123", "nul\x00QZX123"])
def test_a_secret_that_is_not_one_printable_word_is_refused_without_showing_it(option, value):
    # A newline in a session token reached the X-Amz-Security-Token header, whose HTTP client error quoted it whole.
    with pytest.raises(ValidationFailure) as failure:
        c.settings_from(c.OptionAdapter.from_dict(dict(KEYS, **{option: value})))
    assert failure.value.msg.startswith(f"{option}: must be one line of printable characters")
    assert "QZX123" not in failure.value.msg


def test_a_secret_of_the_wrong_type_in_a_connection_dict_is_named_by_type():
    with pytest.raises(ValidationFailure) as failure:
        c.settings_from(c.OptionAdapter.from_dict(dict(KEYS, session_token=["token-value-do-not-show"])), "target_aws.")
    assert failure.value.msg == "target_aws.session_token: must be a string, got a list (the value is not shown: it is a secret)"


def test_the_credential_providers_sts_client_retries_like_the_collection_s_clients(tmp_path, monkeypatch):
    # An assume-role profile: botocore makes its own STS client to resolve the credentials, from the session's
    # default client configuration; without the collection's retries there, a throttled AssumeRole fails after 3 tries.
    config = tmp_path / "config"
    config.write_text("[profile base]\nregion = us-east-1\n\n[profile hop]\nrole_arn = arn:aws:iam::222222222222:role/R\n"
                      "source_profile = base\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    connection = c.AwsConnection(c.ConnectionSettings(profile="hop"))
    assert connection.session.get_default_client_config().retries == c.RETRY_CONFIG
    resolver = connection.session.get_component("credential_provider")
    sts = resolver.get_provider("assume-role")._client_creator("sts", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x")
    assert sts.meta.config.retries["total_max_attempts"] == c.RETRY_CONFIG["total_max_attempts"]
