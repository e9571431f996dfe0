# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``--hostile-names``: an organization whose names, emails, OU names and tags are templates.

A real organization can hold all of these: AWS accepts ``{ } ' ( ) |`` in account names (printable
ASCII, at most 50 characters) and any ASCII, newline included, in OU names. Each value that would run
code if Ansible templated it runs ``touch "$XA_CANARY.<label>"`` through the pipe lookup, so a test
that sets ``XA_CANARY`` proves that nothing was templated when no file ``$XA_CANARY.*`` exists; the
label says which value did it. Ids, statuses and the tree stay those of the ordinary organization.
"""

from __future__ import annotations

import typing as t

from emulator.organization import DEV_OU, PROD_OU, SANDBOX_OU, Organization, member_account_id

CANARY_ENV = "XA_CANARY"


def pipe(label: str) -> str:
    """Jinja2 code that creates the canary file ``$XA_CANARY.<label>`` when it is rendered."""
    return f"lookup('pipe','touch ${CANARY_ENV}.{label}')"


def jinja2_header(label: str) -> str:
    """A brace-free template: its first line moves the delimiters, its second line uses them."""
    return f"#jinja2:variable_start_string:'[%', variable_end_string:'%]'\n[% {pipe(label)} %]"


# Member index -> (name, email). Names stay within AWS's 50 printable characters.
MEMBER_NAMES: dict[int, tuple[str, str]] = {
    1: ("{{" + pipe("name") + "}}", "{{" + pipe("email") + "}}@example.invalid"),
    # Markdown, HTML and Jinja2 syntax a report must show as text.
    2: ("*x* _y_ [l](http://e.invalid) <b>b</b> |p| {{7*7}}", "member-002@example.invalid"),
    # A brace-free name with a header: rendering it at all is an error (or another text).
    3: ("#jinja2:x:1,variable_start_string:'<'#", "member-003@example.invalid"),
    # Two names that differ only in characters a host name cannot hold: both hosts are named by their ids.
    4: ("team a", "member-004@example.invalid"),
    5: ("team/a", "member-005@example.invalid"),
}
OU_NAMES = {
    PROD_OU: jinja2_header("ou"),
    DEV_OU: "{{" + pipe("ou_braces") + "}}",
    SANDBOX_OU: "Sandbox\x1b[31m red\nsecond line",
}
MEMBER_TAGS = {
    "team": "{{" + pipe("tag") + "}}",
    "note": jinja2_header("tag_header"),
    "{{" + pipe("tag_key") + "}}": "key",
}


def apply(org: Organization) -> None:
    """Rename the OUs and the first generated members of ``org`` in place."""
    for ou_id, name in OU_NAMES.items():
        org.ous[ou_id].name = name
    for index, (name, email) in MEMBER_NAMES.items():
        member = org.accounts.get(member_account_id(index))
        if member is None:
            continue
        member.name = name
        member.email = email
        if index == 1:
            member.tags = {**member.tags, **MEMBER_TAGS}


def expected_names() -> dict[str, t.Any]:
    """What a test compares the inventory with: names by account id, OU names by OU id."""
    return {"members": {member_account_id(index): name for index, (name, _email) in MEMBER_NAMES.items()}, "ous": dict(OU_NAMES)}
