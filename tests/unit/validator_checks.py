# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every validator test checks of a refusal, and the values every string validator must refuse (the unit tests of
``_validators.py`` and its domain files share them)."""

from __future__ import annotations

import typing as t

import pytest
from ansible_collections.crossaccount.aws.plugins.module_utils._errors import CrossAccountError, ValidationFailure

ACCT = "123456789012"
PARTITIONS = ["aws", "aws-cn", "aws-us-gov"]
# Values every string validator must refuse: wrong types and hostile-looking text.
NOT_STRINGS = [None, 123, 1.5, True, ["a"], {"a": 1}, b"bytes"]
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
ROLE_ARN = "arn:aws:iam::222222222222:role/CrossAccountDeploy"
HOSTILE = ["a;rm -rf /", "../../etc/passwd x", "$(id)", "`id`", "a\nb", "a b", "a\x00b", "<script>", "'; DROP TABLE x;--"]


def fails(func, *args, option="opt", **kwargs) -> ValidationFailure:
    """Run a validator that must fail; return the exception after the checks every message obeys."""
    with pytest.raises(ValidationFailure) as info:
        func(*args, **kwargs)
    exc = info.value
    assert isinstance(exc, CrossAccountError)
    assert exc.msg.startswith(f"{option}")
    assert exc.option.startswith(option)
    assert "\n" not in exc.msg
    assert len(exc.msg) < 400
    return exc


def refusal(func: t.Callable[..., t.Any], *args: t.Any, **kwargs: t.Any) -> str:
    """The one-line message of a validator that must refuse."""
    with pytest.raises(ValidationFailure) as info:
        func(*args, **kwargs)
    assert "\n" not in info.value.msg
    return info.value.msg
