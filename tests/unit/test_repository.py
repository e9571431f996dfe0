# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about the repository that no single module test sees: versions agree, every file is where the docs say."""

from __future__ import annotations

from pathlib import Path

import yaml
from ansible_collections.crossaccount.aws.plugins.module_utils._connection import COLLECTION_VERSION

ROOT = Path(__file__).resolve().parents[2]


def test_the_user_agent_names_the_version_of_galaxy_yml() -> None:
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    assert COLLECTION_VERSION == galaxy["version"]


def test_the_version_in_development_is_after_the_last_release() -> None:
    changelog = yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))
    released = [tuple(int(part) for part in version.split(".")) for version in changelog["releases"]]
    current = tuple(int(part) for part in COLLECTION_VERSION.split("."))
    assert released and current > max(released)
