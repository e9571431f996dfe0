# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""aws_profile: every option checked before any file is touched (table-driven, through the module's ARGSPEC and handle),
the byte-preserving splice, atomic 0600 writes."""

from __future__ import annotations

import configparser
import io
import os
import stat
import threading
import time
import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils import _aws_profile as pf
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure

ROLE_ARN = "arn:aws:iam::222222222222:role/CrossAccountDeploy"

CONFIG = (
    "# managed by hand, do not reorder\n"
    "[default]\n"
    "region = eu-central-1\n"
    "output=json\n"
    "\n"
    "; the CI profile\n"
    "[profile ci]\n"
    "role_arn=arn:aws:iam::333333333333:role/Ci\n"
    "source_profile = default\n"
    "s3 =\n"
    "    addressing_style = path\n"
    "\n"
    "# prod is special\n"
    "[profile prod]\n"
    "region = us-west-2\n"
)


def make_request(opts: dict, environ: dict | None = None) -> pf.ProfileRequest:
    return pf.request_from_options(OptionAdapter.from_dict(opts), environ=environ)


def role_request(name: str = "assumed-role", path: str = "/tmp/config", **extra: object) -> pf.ProfileRequest:
    opts: dict[str, object] = {"name": name, "kind": "role", "role_arn": ROLE_ARN, "source_profile": "default", "config_file": path}
    opts.update(extra)
    return make_request(opts, environ={})


def parsed(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_file(io.StringIO(text))
    return parser


# --- validation ---

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
ROLE = {"name": "p", "role_arn": ROLE_ARN, "source_profile": "default"}
CREDENTIALS = {"name": "p", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE00", "secret_key": SECRET}

REFUSED = [
    pytest.param({"name": "bad name"}, "name:", id="profile-name"),
    pytest.param(dict(ROLE, kind="other"), "value of kind must be one of", id="kind"),
    pytest.param(dict(ROLE, state="gone"), "value of state must be one of", id="state"),
    pytest.param(dict(ROLE, secret_key=SECRET), "secret_key: is not valid with kind=role", id="credentials-option-for-a-role"),
    pytest.param(dict(CREDENTIALS, role_arn=ROLE_ARN), "role_arn: is not valid with kind=credentials", id="role-option-for-credentials"),
    pytest.param(dict(ROLE, config_file="/tmp/a\u0000b"), "config_file: must not contain a NUL character", id="nul-in-path"),
    pytest.param(dict(ROLE, region="eu-west-1 "), "region: must not start or end with whitespace", id="region-blank"),
    pytest.param(dict(ROLE, endpoint_url="https://sts.example.com\n[evil]"), "endpoint_url: must be a single line", id="endpoint-newline"),
    pytest.param(dict(ROLE, region="Mars"), "region: must be an AWS region name", id="region"),
    pytest.param({"name": "p", "source_profile": "default"}, "role_arn: is required when kind=role", id="no-role-arn"),
    pytest.param(dict(ROLE, credential_source="Environment"), "source_profile: exactly one of", id="two-sources"),
    pytest.param({"name": "p", "role_arn": ROLE_ARN}, "source_profile: exactly one of", id="no-source"),
    pytest.param(dict(ROLE, credential_source="Laptop", source_profile=None), "value of credential_source must be one of", id="credential-source"),
    pytest.param(dict(ROLE, duration_seconds=60), "duration_seconds: must be a whole number of seconds", id="duration"),
    pytest.param({"name": "p", "kind": "credentials", "secret_key": SECRET}, "access_key: access_key and secret_key are both required",
                 id="no-access-key"),
    pytest.param(dict(CREDENTIALS, access_key="not-a-key"), "access_key: must be an AWS access key id", id="access-key"),
    pytest.param(dict(CREDENTIALS, secret_key=SECRET + "\n"), "secret_key: must be a single line", id="secret-newline"),
    pytest.param(dict(CREDENTIALS, session_token=" token"), "session_token: must be a single line", id="token-blank"),
]


@pytest.mark.parametrize(("args", "prefix"), REFUSED)
def test_bad_input_is_refused_before_any_file_is_touched(offline: t.Any, tmp_path, args: dict[str, t.Any], prefix: str) -> None:
    given = {"config_file": str(tmp_path / "config"), "credentials_file": str(tmp_path / "credentials"), **args}
    message = offline("aws_profile", given)
    assert message.startswith(prefix), message
    assert SECRET not in message
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "opts, option",
    [
        ({"name": "bad name"}, "name"),
        ({"name": "bad]name"}, "name"),
        ({"name": "bad\nname"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "role_arn": "arn:aws:iam::2222:role/X"}, "role_arn"),
        ({"name": "x", "role_arn": "arn:aws:iam::222222222222:user/X"}, "role_arn"),
        ({"name": "x", "source_profile": None}, "source_profile"),
        ({"name": "x", "credential_source": "Environment"}, "source_profile"),
        ({"name": "x", "source_profile": "has space"}, "source_profile"),
        ({"name": "x", "duration_seconds": 899}, "duration_seconds"),
        ({"name": "x", "duration_seconds": 43201}, "duration_seconds"),
        ({"name": "x", "role_session_name": "a"}, "role_session_name"),
        ({"name": "x", "role_session_name": "bad name!"}, "role_session_name"),
        ({"name": "x", "external_id": "a b"}, "external_id"),
        ({"name": "x", "mfa_serial": "short"}, "mfa_serial"),
        ({"name": "x", "region": "Mars"}, "region"),
        ({"name": "x", "endpoint_url": "127.0.0.1:5000"}, "endpoint_url"),
        ({"name": "x", "secret_key": "abc"}, "secret_key"),
        ({"name": "x", "session_token": "abc"}, "session_token"),
        ({"name": "x", "access_key": "AKIAEXAMPLEEXAMPLE"}, "access_key"),
        ({"name": "x", "kind": "other"}, "kind"),
    ],
)
def test_role_validation_names_the_option(opts: dict, option: str) -> None:
    base = {"kind": "role", "role_arn": ROLE_ARN, "source_profile": "default", "config_file": "/tmp/c"}
    base.update(opts)
    with pytest.raises(ValidationFailure) as err:
        make_request(base, environ={})
    assert err.value.msg.startswith(f"{option}: ")


@pytest.mark.parametrize(
    "opts, option",
    [
        ({"access_key": None}, "access_key"),
        ({"secret_key": None}, "secret_key"),
        ({"access_key": "not-a-key"}, "access_key"),
        ({"secret_key": "two\nlines"}, "secret_key"),
        ({"session_token": " padded"}, "session_token"),
        ({"role_arn": ROLE_ARN}, "role_arn"),
        ({"external_id": "abcdef"}, "external_id"),
        ({"duration_seconds": 3600}, "duration_seconds"),
    ],
)
def test_credentials_validation_names_the_option(opts: dict, option: str) -> None:
    base = {"name": "x", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE", "secret_key": "s3cr3t/value", "credentials_file": "/tmp/c"}
    base.update(opts)
    with pytest.raises(ValidationFailure) as err:
        make_request(base, environ={})
    assert err.value.msg.startswith(f"{option}: ")
    assert "s3cr3t" not in err.value.msg


def test_absent_ignores_settings_but_still_validates_name() -> None:
    request = make_request({"name": "gone", "state": "absent", "config_file": "/tmp/c"}, environ={})
    assert request.settings == {}
    with pytest.raises(ValidationFailure):
        make_request({"name": "a b", "state": "absent"}, environ={})


def test_settings_in_canonical_order_and_secrets_not_public() -> None:
    request = make_request(
        {"name": "x", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE", "secret_key": "sek", "session_token": "tok",
         "region": "us-east-1", "credentials_file": "/tmp/c"},
        environ={},
    )
    assert list(request.settings) == ["aws_access_key_id", "aws_secret_access_key", "aws_session_token", "region"]
    assert request.public_settings() == {"aws_access_key_id": "AKIAEXAMPLEEXAMPLE", "region": "us-east-1"}
    assert request.header == "x"


def test_default_files_follow_the_cli_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pf.default_file("role", {"AWS_CONFIG_FILE": "/e/config"}) == ("config_file", "/e/config")
    assert pf.default_file("credentials", {"AWS_SHARED_CREDENTIALS_FILE": "/e/creds"}) == ("credentials_file", "/e/creds")
    monkeypatch.setenv("HOME", "/home/someone")
    request = make_request({"name": "x", "role_arn": ROLE_ARN, "source_profile": "default"}, environ={})
    assert request.path == "/home/someone/.aws/config"
    request = make_request({"name": "x", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE", "secret_key": "k"}, environ={})
    assert request.path == "/home/someone/.aws/credentials"


def test_headers_and_matching() -> None:
    assert role_request("default").header == "default"
    assert role_request("default").matches("profile default")
    assert role_request("ci").header == "profile ci"
    # botocore splits the header with shlex, so extra blanks still name the same profile
    assert role_request("ci").matches("profile   ci")
    assert not role_request("ci").matches("ci")
    assert not role_request("ci").matches("profile cid")
    creds = make_request({"name": "ci", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE", "secret_key": "k"}, environ={})
    assert creds.matches("ci") and not creds.matches("profile ci")


# --- the splice ---


def test_new_section_is_appended_and_everything_else_is_byte_identical() -> None:
    request = role_request(external_id="ext-123", region="us-east-1")
    after = pf.render_present(CONFIG, request)
    assert after.startswith(CONFIG + "\n[profile assumed-role]\n")
    assert after[len(CONFIG):] == (
        "\n[profile assumed-role]\n"
        f"role_arn = {ROLE_ARN}\n"
        "source_profile = default\n"
        "external_id = ext-123\n"
        "region = us-east-1\n"
    )
    assert dict(parsed(after)["profile assumed-role"]) == request.settings


def test_file_without_final_newline_and_empty_file() -> None:
    request = role_request()
    assert pf.render_present("[default]\nregion = x", request) == (
        f"[default]\nregion = x\n\n[profile assumed-role]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"
    )
    assert pf.render_present("", request) == f"[profile assumed-role]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"


def test_existing_section_is_edited_in_place() -> None:
    request = role_request("ci", role_session_name="ci-run", region="eu-west-1")
    after = pf.render_present(CONFIG, request)
    start = CONFIG.index("[profile ci]")
    end = CONFIG.index("\n# prod is special")
    assert after[:start] == CONFIG[:start]
    assert after.endswith(CONFIG[end:])
    assert after[start:after.index("\n# prod is special")] == (
        "[profile ci]\n"
        f"role_arn = {ROLE_ARN}\n"
        "source_profile = default\n"
        "s3 =\n"
        "    addressing_style = path\n"
        "role_session_name = ci-run\n"
        "region = eu-west-1\n"
    )


def test_unchanged_values_keep_their_original_bytes_and_unset_keys_are_removed() -> None:
    text = "[profile ci]\nrole_arn=arn:aws:iam::222222222222:role/CrossAccountDeploy\n# keep me\nexternal_id = old\nsource_profile   =   default\n"
    after = pf.render_present(text, role_request("ci"))
    assert after == "[profile ci]\nrole_arn=arn:aws:iam::222222222222:role/CrossAccountDeploy\n# keep me\nsource_profile   =   default\n"


def test_rendering_is_idempotent() -> None:
    request = role_request("ci", external_id="ext-123", duration_seconds=1800)
    once = pf.render_present(CONFIG, request)
    assert pf.render_present(once, request) == once
    fresh = role_request()
    once = pf.render_present(CONFIG, fresh)
    assert pf.render_present(once, fresh) == once


def test_default_profile_goes_to_the_existing_default_section() -> None:
    after = pf.render_present(CONFIG, role_request("default"))
    assert after.count("[default]") == 1 and "[profile default]" not in after
    section = parsed(after)["default"]
    assert section["role_arn"] == ROLE_ARN and section["output"] == "json"
    # region is a managed key of kind=role and was not given, so the stale one is dropped
    assert "region" not in section


def test_crlf_files_stay_crlf() -> None:
    text = CONFIG.replace("\n", "\r\n")
    after = pf.render_present(text, role_request())
    assert after.startswith(text)
    assert "\n" not in after.replace("\r\n", "")


def test_indented_header_inside_a_value_is_not_a_section() -> None:
    # configparser reads an indented line after a key as a continuation, even if it looks like a header
    text = "[profile a]\nnote = first\n  [profile assumed-role]\n"
    after = pf.render_present(text, role_request())
    assert after.startswith(text)
    assert after.count("[profile assumed-role]") == 2
    assert parsed(after)["profile assumed-role"]["role_arn"] == ROLE_ARN


def test_absent_removes_only_the_section_and_keeps_the_next_sections_comment() -> None:
    after = pf.render_absent(CONFIG, role_request("ci"))
    assert after == CONFIG.replace(
        "[profile ci]\nrole_arn=arn:aws:iam::333333333333:role/Ci\nsource_profile = default\ns3 =\n    addressing_style = path\n\n", ""
    )
    assert "# prod is special\n[profile prod]" in after
    assert pf.render_absent(CONFIG, role_request("nothere")) == CONFIG


def test_absent_then_present_round_trips_a_trailing_section() -> None:
    request = role_request()
    with_profile = pf.render_present(CONFIG, request)
    assert pf.render_absent(with_profile, request) == CONFIG + "\n"
    assert pf.render_present(pf.render_absent(with_profile, request), request) == with_profile


def test_unparseable_file_is_refused() -> None:
    with pytest.raises(CrossAccountError) as err:
        pf.render_present("[profile a]\nx = 1\n[profile a]\ny = 2\n", role_request())
    assert err.value.msg.startswith("config_file: /tmp/config cannot be parsed")
    with pytest.raises(CrossAccountError):
        pf.render_present("key = before any section\n", role_request())


def test_section_text_masks_secrets() -> None:
    request = make_request(
        {"name": "ci", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE", "secret_key": "topsecret", "session_token": "tokenvalue",
         "credentials_file": "/tmp/c"},
        environ={},
    )
    text = pf.render_present("[other]\naws_secret_access_key = othersecret\n", request)
    shown = pf.section_text(text, request)
    assert shown == "[ci]\naws_access_key_id = AKIAEXAMPLEEXAMPLE\naws_secret_access_key = ********\naws_session_token = ********\n"
    assert "othersecret" not in shown
    assert "topsecret" in pf.section_text(text, request, mask=False)


# --- files ---


def test_ensure_creates_private_dir_and_file_and_is_idempotent(tmp_path) -> None:
    path = tmp_path / "newdir" / "config"
    request = role_request(path=str(path))
    result = pf.ensure_profile(request, check_mode=True)
    assert result["changed"] and not path.exists() and not path.parent.exists()
    result = pf.ensure_profile(request)
    assert result["changed"]
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert result["profile"]["settings"] == {"role_arn": ROLE_ARN, "source_profile": "default"}
    assert result["profile"]["section"] == "profile assumed-role"
    mtime = os.stat(path).st_mtime_ns
    again = pf.ensure_profile(request)
    assert not again["changed"] and os.stat(path).st_mtime_ns == mtime
    assert again["diff"]["before"] == again["diff"]["after"]
    assert [p.name for p in path.parent.iterdir()] == ["config"]  # no temporary file left behind


def test_ensure_tightens_wide_mode_and_reports_it(tmp_path) -> None:
    path = tmp_path / "config"
    request = role_request(path=str(path))
    path.write_text(pf.render_present(CONFIG, request))
    os.chmod(path, 0o644)
    result = pf.ensure_profile(request, check_mode=True)
    assert result["changed"] and result["profile"]["mode_tightened"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    result = pf.ensure_profile(request)
    assert result["changed"] and result["profile"]["mode_tightened"] and result["profile"]["file_mode"] == "0600"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not pf.ensure_profile(request)["changed"]


def test_ensure_absent_and_missing_file(tmp_path) -> None:
    path = tmp_path / "config"
    request = make_request({"name": "ci", "state": "absent", "config_file": str(path)}, environ={})
    result = pf.ensure_profile(request)
    assert not result["changed"] and not path.exists() and result["profile"]["file_mode"] is None
    path.write_text(CONFIG)
    os.chmod(path, 0o600)
    result = pf.ensure_profile(request)
    assert result["changed"] and "[profile ci]" not in path.read_text()
    assert result["diff"]["after"] == "" and result["diff"]["before"].startswith("[profile ci]\n")
    assert not pf.ensure_profile(request)["changed"]


def test_ensure_follows_a_symlink(tmp_path) -> None:
    real = tmp_path / "dotfiles" / "aws-config"
    real.parent.mkdir()
    real.write_text(CONFIG)
    link = tmp_path / "config"
    link.symlink_to(real)
    pf.ensure_profile(role_request(path=str(link)))
    assert link.is_symlink()
    assert "[profile assumed-role]" in real.read_text()


def test_ensure_refuses_non_utf8(tmp_path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"[default]\nregion = \xff\n")
    with pytest.raises(CrossAccountError) as err:
        pf.ensure_profile(role_request(path=str(path)))
    assert err.value.msg.startswith("config_file: ")
    assert path.read_bytes() == b"[default]\nregion = \xff\n"


def test_parallel_writers_keep_every_profile(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config"
    path.write_text(CONFIG)
    real_read = pf.read_file

    def slow_read(*args: object) -> object:
        # Widen the read-modify-write window: without the lock every writer would start from the same text.
        result = real_read(*args)
        time.sleep(0.05)
        return result

    monkeypatch.setattr(pf, "read_file", slow_read)
    names = [f"p{index}" for index in range(6)]
    threads = [threading.Thread(target=pf.ensure_profile, args=(role_request(name, path=str(path)),)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    text = path.read_text()
    assert text.startswith(CONFIG)
    assert sorted(section for section in parsed(text).sections() if section[len("profile "):] in names) == [f"profile {n}" for n in names]


# --- issue 12 regressions ---

LEGACY = (
    "[ci]\n"
    "aws_access_key_id = AKIAOLDOLDOLDOLD\n"
    "aws_secret_access_key = old-secret-value\n"
    "aws_security_token = STALE-LEGACY-TOKEN\n"
    "\n"
    "[other]\n"
    "aws_access_key_id = AKIAOTHEROTHEROTH\n"
)


def credentials_request(path: str = "/tmp/credentials", **extra: object) -> pf.ProfileRequest:
    opts: dict[str, object] = {"name": "ci", "kind": "credentials", "access_key": "AKIAEXAMPLEEXAMPLE", "secret_key": "new-secret-value",
                               "credentials_file": path}
    opts.update(extra)
    return make_request(opts, environ={})


@pytest.mark.parametrize("token", ["fresh-session-token", None])
def test_legacy_security_token_is_replaced_by_the_written_credentials(token: str | None) -> None:
    # botocore reads aws_security_token before aws_session_token: a stale one left behind would win.
    request = credentials_request(session_token=token)
    after = pf.render_present(LEGACY, request)
    assert "aws_security_token" not in after
    assert parsed(after).get("ci", "aws_secret_access_key") == "new-secret-value"
    assert parsed(after).has_option("ci", "aws_session_token") == (token is not None)
    assert after.endswith("[other]\naws_access_key_id = AKIAOTHEROTHEROTH\n")


def test_legacy_security_token_is_masked_in_the_diff(tmp_path) -> None:
    path = tmp_path / "credentials"
    path.write_text(LEGACY)
    request = credentials_request(path=str(path), session_token="fresh-session-token")
    assert "STALE-LEGACY-TOKEN" not in pf.section_text(LEGACY, request)
    assert f"aws_security_token = {pf.MASK}\n" in pf.section_text(LEGACY, request)
    result = pf.ensure_profile(request)
    dumped = repr(result)
    assert "STALE-LEGACY-TOKEN" not in dumped and "fresh-session-token" not in dumped and "new-secret-value" not in dumped
    absent = pf.ensure_profile(make_request({"name": "other", "kind": "credentials", "state": "absent", "credentials_file": str(path)}))
    assert absent["changed"] and "fresh-session-token" not in repr(absent)


@pytest.mark.parametrize(
    "text, name, headers",
    [
        ("[profile foo]\nregion = us-east-1\n\n[profile \"foo\"]\nregion = eu-west-1\n", "foo", ["profile foo", 'profile "foo"']),
        ("[default]\nregion = us-east-1\n\n[profile default]\nregion = eu-west-1\n", "default", ["default", "profile default"]),
        ("[profile  foo]\nregion = us-east-1\n[profile bar]\n[profile foo]\n", "foo", ["profile  foo", "profile foo"]),
    ],
)
@pytest.mark.parametrize("state", ["present", "absent"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_more_than_one_matching_section_is_refused(tmp_path, text: str, name: str, headers: list[str], state: str, check_mode: bool) -> None:
    # botocore uses the last of them, a line editor would change the first: refuse instead of guessing.
    path = tmp_path / "config"
    path.write_text(text)
    os.chmod(path, 0o600)
    request = role_request(name, path=str(path), state=state)
    with pytest.raises(CrossAccountError) as err:
        pf.ensure_profile(request, check_mode=check_mode)
    assert err.value.msg.startswith("config_file: ")
    for header in headers:
        assert f"[{header}]" in err.value.msg
    assert path.read_text() == text


@pytest.mark.parametrize("kind", ["role", "credentials"])
def test_a_fifo_is_refused_and_does_not_hang(tmp_path, kind: str) -> None:
    path = tmp_path / "aws-file"
    os.mkfifo(path)
    request = role_request(path=str(path)) if kind == "role" else credentials_request(path=str(path))
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            pf.ensure_profile(request)
            outcome.append(None)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)  # a guard against the hang itself, not a speed check
    if worker.is_alive():
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # release the blocked reader before failing
        pytest.fail("ensure_profile blocked on a FIFO")
    assert isinstance(outcome[0], CrossAccountError), outcome
    option = "config_file" if kind == "role" else "credentials_file"
    assert outcome[0].msg.startswith(f"{option}: ") and "regular file" in outcome[0].msg
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


def test_a_directory_is_refused(tmp_path) -> None:
    path = tmp_path / "config"
    path.mkdir()
    with pytest.raises(CrossAccountError) as err:
        pf.ensure_profile(role_request(path=str(path)), check_mode=True)
    assert err.value.msg.startswith("config_file: ") and "regular file" in err.value.msg


# Another user's home, as root sees it when a play runs with become. These need root, like the defect.
OTHER_UID, OTHER_GID = 40123, 40124


def other_users_home(tmp_path) -> str:
    assert os.geteuid() == 0, "these regressions are about root writing into another user's files"
    home = tmp_path / "home" / "alice"
    home.mkdir(parents=True)
    os.chown(home, OTHER_UID, OTHER_GID)
    return str(home)


@pytest.mark.parametrize("where", ["file", "directory"])
def test_root_does_not_follow_a_symlink_owned_by_another_user(tmp_path, where: str) -> None:
    home = other_users_home(tmp_path)
    victim_dir = tmp_path / "root-only"
    victim_dir.mkdir(mode=0o700)
    victim = victim_dir / "config"
    victim.write_text("[default]\nregion = us-east-1\n")
    if where == "file":
        os.mkdir(os.path.join(home, ".aws"))
        link = os.path.join(home, ".aws", "config")
        os.symlink(victim, link)
        path = link
    else:
        link = os.path.join(home, ".aws")
        os.symlink(victim_dir, link)
        path = os.path.join(link, "config")
    os.lchown(link, OTHER_UID, OTHER_GID)
    for check_mode in (True, False):
        with pytest.raises(CrossAccountError) as err:
            pf.ensure_profile(role_request(path=path), check_mode=check_mode)
        assert err.value.msg.startswith("config_file: ") and link in err.value.msg and "symbolic link" in err.value.msg
    assert victim.read_text() == "[default]\nregion = us-east-1\n"
    assert sorted(os.listdir(victim_dir)) == ["config"]


def test_a_symlink_owned_by_the_user_running_the_module_is_followed(tmp_path) -> None:
    home = other_users_home(tmp_path)
    real = tmp_path / "dotfiles" / "config"
    real.parent.mkdir()
    real.write_text(CONFIG)
    link = os.path.join(home, "config")
    os.symlink(real, link)  # made by root, the user running the module
    pf.ensure_profile(role_request(path=link))
    assert os.path.islink(link) and "[profile assumed-role]" in real.read_text()


def test_root_creates_files_and_directories_owned_like_their_parent(tmp_path) -> None:
    home = other_users_home(tmp_path)
    path = os.path.join(home, ".aws", "nested", "config")
    result = pf.ensure_profile(role_request(path=path))
    assert result["changed"]
    for created in (os.path.join(home, ".aws"), os.path.dirname(path), path):
        info = os.stat(created)
        assert (info.st_uid, info.st_gid) == (OTHER_UID, OTHER_GID), created
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    credentials = os.path.join(home, ".aws", "credentials")
    pf.ensure_profile(credentials_request(path=credentials))
    assert (os.stat(credentials).st_uid, os.stat(credentials).st_gid) == (OTHER_UID, OTHER_GID)


# A play with become writes alice's ~/.aws/config as root while alice swaps her ~/.aws for a link to a directory only
# root may write. The swap happens at an exact moment (an audit hook on the open of the file, or of the temp file)
# in a process of its own, so the hook never outlives the test.
RACE = r"""
import json, os, sys
from ansible_collections.crossaccount.aws.plugins.module_utils import _aws_profile as pf
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import OptionAdapter
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError

aws, victim, uid, gid, moment = sys.argv[1:6]
swapped = []

def hook(event, args):
    if swapped or event != "open" or not isinstance(args[0], (str, bytes)):
        return
    name = os.path.basename(os.fsdecode(args[0]))
    if (moment == "read" and name == "config") or (moment == "write" and args[2] & os.O_CREAT):
        swapped.append(name)
        os.rename(aws, aws + ".moved")
        os.symlink(victim, aws)
        os.lchown(aws, int(uid), int(gid))

sys.addaudithook(hook)
request = pf.request_from_options(OptionAdapter.from_dict({
    "name": "assumed-role", "kind": "role", "role_arn": "arn:aws:iam::222222222222:role/CrossAccountDeploy",
    "source_profile": "default", "config_file": os.path.join(aws, "config")}), environ={})
try:
    outcome = {"changed": pf.ensure_profile(request)["changed"]}
except CrossAccountError as exc:
    outcome = {"error": exc.msg}
print(json.dumps({"swapped": swapped, **outcome}))
"""


@pytest.mark.parametrize("moment", ["read", "write"])
def test_root_never_writes_through_a_directory_swapped_for_a_link_meanwhile(tmp_path, moment: str) -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    home = other_users_home(tmp_path)
    aws = os.path.join(home, ".aws")
    os.mkdir(aws, 0o700)
    os.chown(aws, OTHER_UID, OTHER_GID)
    users_config = os.path.join(aws, "config")
    with open(users_config, "w", encoding="utf-8") as handle:
        handle.write("[default]\nregion = eu-west-1\n")
    os.chown(users_config, OTHER_UID, OTHER_GID)
    os.chmod(users_config, 0o600)
    victim_dir = tmp_path / "root-only"
    victim_dir.mkdir(mode=0o700)
    victim = victim_dir / "config"
    victim.write_text("[default]\nregion = us-east-1\n# only root may change this file\n")
    os.chmod(victim, 0o600)
    before = (victim.read_bytes(), os.stat(victim).st_uid, stat.S_IMODE(os.stat(victim).st_mode))

    root = Path(pf.__file__).parents[5]  # <root>/ansible_collections/crossaccount/aws/plugins/module_utils
    proc = subprocess.run([sys.executable, "-c", RACE, aws, str(victim_dir), str(OTHER_UID), str(OTHER_GID), moment],
                          env=dict(os.environ, PYTHONPATH=str(root)), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    outcome = json.loads(proc.stdout.splitlines()[-1])
    assert outcome["swapped"], "the swap never happened: the test would prove nothing"
    assert os.path.islink(aws)

    # The root-only directory is untouched: same file, same bytes, same owner and mode, no temp file left.
    assert sorted(os.listdir(victim_dir)) == ["config"]
    assert (victim.read_bytes(), os.stat(victim).st_uid, stat.S_IMODE(os.stat(victim).st_mode)) == before
    # The write, if any, went to the directory that was checked: alice's own, wherever she moved it.
    if "error" not in outcome:
        moved = os.path.join(aws + ".moved", "config")
        with open(moved, encoding="utf-8") as handle:
            assert "[profile assumed-role]" in handle.read()
        assert (os.stat(moved).st_uid, stat.S_IMODE(os.stat(moved).st_mode)) == (OTHER_UID, 0o600)
