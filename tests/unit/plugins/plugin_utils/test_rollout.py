# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the rollout bookkeeping of organization_access: plan, open, record, without AWS."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import ValidationFailure
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _ledger as ledger
from ansible_collections.crossaccount.aws.plugins.plugin_utils import _rollout as rollout

HOSTS = [f"h{index}" for index in range(1, 6)]
ACCOUNTS = {host: f"20000000000{index}" for index, host in enumerate(HOSTS, start=1)}
SLICE = {"awx_job_launch_type": "workflow", "awx_workflow_job_id": 7, "awx_workflow_job_name": "Rollout", "awx_job_template_name": "Rollout"}


def found(host: str, **override: t.Any) -> dict[str, t.Any]:
    account = ACCOUNTS[host]
    return {"account_id": account, "account_name": f"name-{host}", "joined_method": "CREATED",
            "access_role_arn": f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", **override}


def request(**override: t.Any) -> dict[str, t.Any]:
    base = {"hosts": HOSTS, "batch_hosts": HOSTS, "selection": [], "role_name": "auditor", "role_path": "/", "state": "present",
            "policy_name": "assume-auditor", "policy_form": "auto", "organization_id": "", "users": ["u"], "groups": [], "roles": [],
            "prune": False, "report_path": "", "source_account_id": "111111111111", "carried": None}
    base.update(override)
    return base


def everyone(**override: t.Any) -> dict[str, dict[str, t.Any]]:
    return {host: override.get(host, found(host)) for host in HOSTS}


def plan(req: dict[str, t.Any] | None = None, accounts: dict[str, t.Any] | None = None, rows: dict[str, t.Any] | None = None,
         extra: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    return rollout.plan(req or request(), accounts or everyone(), ledger.Ledger({"role_name": "auditor", "role_path": "/"}, rows or {}),
                        extra or {})


def test_plan_checks_every_account_and_builds_role_arns_in_the_access_roles_partition():
    gov = {host: found(host, access_role_arn=f"arn:aws-us-gov:iam::{ACCOUNTS[host]}:role/OrganizationAccountAccessRole") for host in HOSTS}
    result = plan(accounts=gov)
    assert result["first"] and result["batch"] == 1
    assert result["accounts"]["h2"]["role_arn"] == "arn:aws-us-gov:iam::200000000002:role/auditor"
    with pytest.raises(ValidationFailure, match=r"organization_access_account_role_arn: the access roles of the selected accounts are in "
                       "more than one partition"):
        plan(accounts={**gov, "h1": found("h1")})
    result = plan()
    assert result["accounts"]["h1"]["joined_method"] == "CREATED"
    assert result["selected_account_ids"] == sorted(ACCOUNTS.values())


@pytest.mark.parametrize("override, variable", [
    ({"account_id": ""}, "organization_access_account_id: must be the 12-digit id of the account of host h3"),
    ({"account_id": "12345"}, "organization_access_account_id (host h3): must be a 12-digit"),
    ({"access_role_arn": "arn:aws:iam::999999999999:role/X"}, "organization_access_account_role_arn (host h3): must be the ARN of a role in account"),
    ({"access_role_arn": "not an arn"}, "organization_access_account_role_arn (host h3)"),
    ({"account_id": "200000000001"}, "hosts h1 and h3 are both account 200000000001"),
])
def test_plan_refuses_a_bad_account_naming_the_variable_and_the_host(override, variable):
    bad = found("h3", **override)
    if "account_id" in override and override["account_id"] and "access_role_arn" not in override:
        bad["access_role_arn"] = f"arn:aws:iam::{override['account_id']}:role/OrganizationAccountAccessRole"
    with pytest.raises(ValidationFailure) as refused:
        plan(accounts=everyone(h3=bad))
    assert variable in refused.value.msg


def test_auto_takes_the_arns_while_the_module_accepts_them_then_the_organization_form():
    assert plan()["policy"] == {"form": "arns", "options": {"target_role_arns": [f"arn:aws:iam::{a}:role/auditor" for a in sorted(ACCOUNTS.values())]}}
    # Twelve ARNs with a 500-character path do not fit the 6,144 characters of one managed policy version.
    many = [f"m{index}" for index in range(12)]
    accounts = {host: {"account_id": f"3000000000{index:02d}", "access_role_arn": f"arn:aws:iam::3000000000{index:02d}:role/A"}
                for index, host in enumerate(many)}
    long_path = "/" + "p" * 500 + "/"
    wide = {"hosts": many, "batch_hosts": many, "role_path": long_path}
    with pytest.raises(ValidationFailure, match=r"organization_access_organization_id: is required: the role ARNs of the 12 selected"):
        plan(request(**wide), accounts=accounts)
    chosen = plan(request(**wide, organization_id="o-abcdefghij"), accounts=accounts)["policy"]
    assert chosen == {"form": "organization", "options": {
        "target_organization_id": "o-abcdefghij", "target_role_name": "auditor", "target_role_path": long_path}}
    refused = r"organization_access_policy_form: arns: the source_policy module refuses the role ARNs of the 12 selected accounts \(12 role"
    with pytest.raises(ValidationFailure, match=refused):
        plan(request(**wide, policy_form="arns"), accounts=accounts)
    with pytest.raises(ValidationFailure, match=r"organization_access_organization_id: is required with organization_access_policy_form"):
        plan(request(policy_form="organization"))


def test_the_modules_refusals_name_the_role_variables():
    with pytest.raises(ValidationFailure, match=r"^organization_access_users"):
        plan(request(users=["not a name!"]))
    with pytest.raises(ValidationFailure, match=r"^organization_access_organization_id"):
        plan(request(policy_form="organization", organization_id="org-1"))


def test_a_sliced_awx_job_refuses_the_arns_form_and_prune_but_not_the_organization_form():
    assert rollout.sliced_awx_job(SLICE)
    assert rollout.sliced_awx_job({**SLICE, "awx_workflow_job_name": "My workflow"}) is None  # a job in a workflow of its own
    assert rollout.sliced_awx_job({"tower_job_launch_type": "workflow", "tower_workflow_job_id": 1, "tower_workflow_job_name": "T",
                                   "tower_job_template_name": "T"})
    assert rollout.sliced_awx_job({"awx_job_launch_type": "manual", "awx_job_template_name": "Rollout"}) is None
    with pytest.raises(ValidationFailure, match=r"organization_access_policy_form: arns .* cannot be sliced: this run looks like one slice"):
        plan(extra=SLICE)
    with pytest.raises(ValidationFailure, match=r"organization_access_prune: cannot be used in a slice"):
        plan(request(prune=True, report_path="/r", organization_id="o-abcdefghij", policy_form="organization"), extra=SLICE)
    assert plan(request(policy_form="organization", organization_id="o-abcdefghij"), extra=SLICE)["policy"]["form"] == "organization"


def test_limit_without_the_selection_pattern_refuses_the_arns_form_and_prune():
    with pytest.raises(ValidationFailure, match=r"organization_access_hosts: is needed with --limit"):
        plan(request(limit="h1"))
    assert plan(request(limit="h1", hosts_pattern=True))["policy"]["form"] == "arns"
    with pytest.raises(ValidationFailure, match=r"organization_access_prune: with --limit needs organization_access_hosts"):
        plan(request(limit="h1", prune=True, report_path="/r"))
    with pytest.raises(ValidationFailure, match=r"organization_access_prune: needs organization_access_report_path"):
        plan(request(prune=True))


def test_prune_lists_ok_rows_that_left_the_selection_and_retained_rows_stay_in_the_policy():
    gone = ledger.row(account_id="300000000001", account_name="gone", host="gone", status="ok",
                      role_arn="arn:aws:iam::300000000001:role/team/auditor", access_role_arn="arn:aws:iam::300000000001:role/OrganizationAccountAccessRole")
    failed = ledger.row(account_id="300000000002", status="failed", role_arn="arn:aws:iam::300000000002:role/auditor",
                        access_role_arn="arn:aws:iam::300000000002:role/OrganizationAccountAccessRole")
    rows = {"300000000001": gone, "300000000002": failed}
    kept = plan(request(report_path="/r"), rows=rows)
    assert kept["prune"] == [] and gone["role_arn"] in kept["policy"]["options"]["target_role_arns"]
    assert failed["role_arn"] not in kept["policy"]["options"]["target_role_arns"]
    pruned = plan(request(report_path="/r", prune=True), rows=rows)
    assert [(p["account_id"], p["role_name"], p["role_path"]) for p in pruned["prune"]] == [("300000000001", "auditor", "/team/")]
    assert gone["role_arn"] not in pruned["policy"]["options"]["target_role_arns"]


@pytest.mark.parametrize("spec, sizes", [
    (None, [20]), (0, [20]), (5, [5, 5, 5, 5]), ("25%", [5, 5, 5, 5]), ([1, "10%", "100%"], [1, 2, 17]), ([4, 8], [4, 8, 8]),
    (["1%"], [1] * 20), ([2, 0], [2, 18]),
])
def test_batch_sizes_follow_ansibles_serial_arithmetic(spec, sizes):
    assert rollout.batch_sizes(spec, 20) == sizes


def test_later_batches_continue_the_carried_run_and_a_stale_state_is_ignored():
    first = plan(request(batch_hosts=HOSTS[:2]))
    opened = rollout.open_batch(first, {"skipped": True}, None, {"changed": True, "policy": {"arn": "arn:p"}}, None, "111111111111", True)
    role = {"changed": True, "role": {"arn": "x"}}
    recorded = rollout.record(first, opened, {h: {"role": role, "probe": {"verified": True}} for h in HOSTS[:2]},
                              {**request(), "access_role_template": "t.yml", "fail_on_error": True}, ledger.Ledger({}, {}))
    state = recorded["state"]
    second = plan(request(batch_hosts=HOSTS[2:4], carried=state))
    assert not second["first"] and second["batch"] == 2 and second["policy"] == {} and second["prune"] == []
    # Another play over the same hosts (its first batch holds hosts the state has done) or other hosts starts afresh.
    assert plan(request(batch_hosts=HOSTS[:2], carried=state))["first"]
    assert plan(request(hosts=HOSTS[:4], batch_hosts=HOSTS[2:4], carried=state))["first"]
    assert plan(request(role_name="other", batch_hosts=HOSTS[2:4], carried=state))["first"]
    later = rollout.open_batch(second, None, None, None, None, "", True)
    assert later["policy"]["arn"] == "arn:p" and later["source_account_ids"] == ["111111111111"]


def run_batch(planned: dict[str, t.Any], opened: dict[str, t.Any], outcome: dict[str, t.Any], rows: dict[str, t.Any] | None = None,
              **req: t.Any) -> dict[str, t.Any]:
    return rollout.record(planned, opened, outcome, {**request(**req), "access_role_template": "/roles/x/files/t.yml"},
                          ledger.Ledger({}, rows or {}))


def test_record_rows_failures_and_pending_when_the_tolerance_stops_the_rollout():
    first = plan(request(batch_hosts=HOSTS[:2]))
    opened = rollout.open_batch(first, None, None, {"changed": False}, None, "111111111111", True)
    ok = {"role": {"changed": False, "role": {"arn": "arn:aws:iam::200000000001:role/auditor"}}, "probe": {"verified": True}}
    denied = {"role": {"failed": True, "msg": "Task failed: The lookup plugin 'crossaccount.aws.assumed_credentials' failed: "
                       "sts:AssumeRole failed: AccessDenied: no"}, "probe": {"skipped": True}}
    recorded = run_batch(first, opened, {"h1": ok, "h2": denied}, fail_on_error=True, max_fail_percentage=10, batch_spec=[2, "40%", "100%"])
    assert recorded["rows"]["200000000001"]["status"] == "ok" and recorded["rows"]["200000000001"]["verified"]
    bad = recorded["rows"]["200000000002"]
    assert bad["status"] == "failed" and bad["error"] == "role: sts:AssumeRole failed: AccessDenied: no" and bad["role_arn"] == ""
    assert recorded["stops"] and sorted(recorded["fail"]) == ["h2"]
    assert recorded["fail"]["h2"] == "account 200000000002 (name-h2): role: sts:AssumeRole failed: AccessDenied: no"
    assert {a: r["batch"] for a, r in recorded["pending"].items()} == {"200000000003": 2, "200000000004": 2, "200000000005": 3}
    assert all(r["status"] == "pending" for r in recorded["pending"].values())


def test_an_invited_account_that_cannot_be_reached_gets_the_hint_and_the_template():
    first = plan(request(batch_hosts=["h1"]), accounts=everyone(h1=found("h1", joined_method="invited")))
    opened = rollout.open_batch(first, None, None, {"changed": False}, None, "111111111111", True)
    denied = {"role": {"failed": True, "msg": "sts:AssumeRole failed: AccessDenied: no"}}
    error = run_batch(first, opened, {"h1": denied})["rows"]["200000000001"]["error"]
    assert "joined the organization by invitation: it has OrganizationAccountAccessRole only if someone created it" in error
    assert "/roles/x/files/t.yml" in error
    created = plan(request(batch_hosts=["h1"]))
    assert "invitation" not in run_batch(created, opened, {"h1": denied})["rows"]["200000000001"]["error"]


def test_a_run_that_goes_on_leaves_known_rows_alone_until_it_reaches_them():
    first = plan(request(batch_hosts=HOSTS[:2]))
    opened = rollout.open_batch(first, None, None, {"changed": False}, None, "111111111111", True)
    ok = {"role": {"role": {"arn": "a"}}, "probe": {"verified": True}}
    known = {a: ledger.row(account_id=a, status="ok", host=h) for h, a in ACCOUNTS.items()}
    recorded = run_batch(first, opened, {"h1": ok, "h2": ok}, rows=known, fail_on_error=True)
    assert recorded["pending"] == {} and not recorded["stops"]
    # Accounts the ledger has never seen are pending from the start.
    assert sorted(run_batch(first, opened, {"h1": ok, "h2": ok})["pending"]) == sorted(ACCOUNTS.values())[2:]


@pytest.mark.parametrize("failed, size, limit, stops", [
    (0, 4, None, False), (1, 4, None, False), (4, 4, None, True), (1, 4, 25, False), (2, 4, 25, True), (1, 4, "10", True), (1, 4, 0, True),
])
def test_rollout_stops_like_ansible(failed, size, limit, stops):
    assert rollout.rollout_stops(failed, size, limit) is stops


def test_blocked_accounts_and_a_failed_source_policy_write_nothing():
    first = plan()
    guardrails = {"accounts": [{"account_id": "200000000003", "status": "blocked", "reason": "SCP p-1 denies"}]}
    opened = rollout.open_batch(first, None, guardrails, {"changed": True}, None, "111111111111", True)
    assert opened["accounts"]["h3"] == {"account_id": "200000000003", "access_role_arn": first["accounts"]["h3"]["access_role_arn"],
                                        "role_arn": first["accounts"]["h3"]["role_arn"], "write": False, "verify": False, "why": "blocked"}
    assert opened["accounts"]["h1"]["write"]
    row = run_batch(first, opened, {"h3": {"role": {"skipped": True}}})["rows"]["200000000003"]
    assert row["status"] == "blocked" and row["error"] == "SCP p-1 denies"
    broken = rollout.open_batch(first, None, None, {"failed": True, "msg": "iam:CreatePolicy failed: AccessDenied: no"}, None, "111111111111", True)
    assert not any(entry["write"] for entry in broken["accounts"].values())
    assert run_batch(first, broken, {})["rows"]["200000000001"]["error"] == "source policy: iam:CreatePolicy failed: AccessDenied: no"


@pytest.mark.parametrize("check_mode, policy_changed, verify", [(False, True, True), (True, False, True), (True, True, False)])
def test_check_mode_probes_only_when_the_source_policy_is_already_in_place(check_mode, policy_changed, verify):
    first = plan()
    opened = rollout.open_batch(first, None, None, {"changed": policy_changed}, None, "111111111111", True, check_mode=check_mode)
    assert all(entry["verify"] is verify and entry["write"] for entry in opened["accounts"].values())


def test_each_entry_names_the_account_for_its_member_access_task():
    first = plan()
    opened = rollout.open_batch(first, None, None, {"changed": False}, None, "111111111111", True)
    for host, entry in opened["accounts"].items():
        assert {key: entry[key] for key in ("account_id", "access_role_arn", "role_arn")} == {
            key: first["accounts"][host][key] for key in ("account_id", "access_role_arn", "role_arn")}


def test_prune_outcomes_become_removed_rows_or_keep_the_row_with_the_error():
    rows = {a: ledger.row(account_id=a, status="ok", role_arn=f"arn:aws:iam::{a}:role/auditor",
                          access_role_arn=f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole") for a in ("300000000001", "300000000002")}
    first = plan(request(report_path="/r", prune=True), rows=rows)
    pruned = {"results": [{"item": first["prune"][0], "changed": True},
                          {"item": first["prune"][1], "failed": True, "msg": "sts:AssumeRole failed: AccessDenied: closed"}]}
    opened = rollout.open_batch(first, None, None, {"changed": False}, pruned, "111111111111", True)
    recorded = run_batch(first, opened, {}, rows=rows)
    assert recorded["rows"]["300000000001"]["status"] == "removed" and recorded["rows"]["300000000001"]["role_arn"] == ""
    kept = recorded["rows"]["300000000002"]
    assert kept["status"] == "ok" and kept["error"] == "prune: sts:AssumeRole failed: AccessDenied: closed"


def test_prune_outcomes_read_the_removal_inside_a_member_access_item():
    rows = {a: ledger.row(account_id=a, status="ok", role_arn=f"arn:aws:iam::{a}:role/auditor",
                          access_role_arn=f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole") for a in ("300000000001", "300000000002")}
    first = plan(request(report_path="/r", prune=True), rows=rows)
    pruned = {"results": [
        {"item": first["prune"][0], "changed": True, "role": {"changed": True}, "probe": {"skipped": True}},
        {"item": first["prune"][1], "failed": True, "msg": "role: sts:AssumeRole failed: AccessDenied: closed",
         "role": {"failed": True, "msg": "sts:AssumeRole failed: AccessDenied: closed"}, "probe": {"skipped": True}},
    ]}
    outcomes = rollout.open_batch(first, None, None, {"changed": False}, pruned, "111111111111", True)["pruned"]
    assert outcomes == {"300000000001": {"error": "", "changed": True},
                        "300000000002": {"error": "prune: sts:AssumeRole failed: AccessDenied: closed", "changed": False}}


@pytest.mark.parametrize("message, text", [
    ("Task failed: The lookup plugin 'crossaccount.aws.assumed_credentials' failed: sts:AssumeRole failed: AccessDenied: x",
     "sts:AssumeRole failed: AccessDenied: x"),
    ("An unhandled exception occurred while running the lookup plugin 'crossaccount.aws.assumed_credentials'. Error was a "
     "<class 'ansible.errors.AnsibleError'>, original message: sts:AssumeRole failed: AccessDenied: x", "sts:AssumeRole failed: AccessDenied: x"),
    ("Task failed: Action failed: iam:CreateRole failed:\n LimitExceeded", "iam:CreateRole failed: LimitExceeded"),
    (None, "failed"),
])
def test_failure_text_is_one_line_without_ansibles_wrapping(message, text):
    assert rollout.failure_text({"msg": message}) == text
