# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What importing the in-process action base leaves loaded in the controller's main process, for the workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from ansible_collections.crossaccount.aws.plugins.plugin_utils import _in_process

# A fresh interpreter: this test process may have loaded the lookup already.
PROBE = textwrap.dedent("""
    import json, sys
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    _AnsibleCollectionFinder(paths=[sys.argv[1]])._install()
    from ansible import constants as C
    from ansible.plugins.loader import lookup_loader

    # The name the loader keeps the plugin's configuration under (it differs between cores).
    names = [lookup_loader.find_plugin_with_context(f"crossaccount.aws.{name}").plugin_resolved_name for name in json.loads(sys.argv[2])]
    before = [C.config.has_configuration_definition("lookup", name) for name in names]
    import ansible_collections.crossaccount.aws.plugins.plugin_utils._in_process
    after = [C.config.has_configuration_definition("lookup", name) for name in names]
    modules = [f"ansible_collections.crossaccount.aws.plugins.lookup.{name}" in sys.modules for name in json.loads(sys.argv[2])]
    print(json.dumps({"before": before, "after": after, "modules": modules}))
""")


def test_importing_it_loads_the_lookups_every_host_templates():
    # Workers are forked from the main process per task: what is loaded there is not loaded again per account.
    lookups = ["assumed_credentials"]
    # Not resolved: the collection is usually a link into the checkout, and the root is the one Python imported from.
    collections_root = Path(_in_process.__file__).parents[5]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(collections_root), *sys.path])}
    proc = subprocess.run([sys.executable, "-c", PROBE, str(collections_root), json.dumps(lookups)],
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["before"] == [False] * len(lookups)
    assert seen["after"] == [True] * len(lookups)
    assert seen["modules"] == [True] * len(lookups)
