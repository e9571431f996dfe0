# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write ansible_devel.inv: the docs.ansible.com targets the generated pages link to, for builds without network.

antsibull-docs renders references such as :ref:`common_return_values` into every module page; Sphinx resolves
them through the intersphinx inventory of docs.ansible.com, which CI cannot download. The links still point to
docs.ansible.com. A reference missing here fails the build (warnings are errors): add its line below.
"""

from __future__ import annotations

import os
import zlib

# name, domain:role, priority, uri (relative to the docs.ansible.com base in conf.py), display name
ENTRIES = (
    ("action_plugins", "std:label", "-1", "plugins/action.html#action-plugins", "Action plugins"),
    ("ansible_configuration_settings", "std:label", "-1", "reference_appendices/config.html#ansible-configuration-settings",
     "Ansible Configuration Settings"),
    ("callback_plugins", "std:label", "-1", "plugins/callback.html#callback-plugins", "Callback plugins"),
    ("common_return_values", "std:label", "-1", "reference_appendices/common_return_values.html#common-return-values",
     "Return Values"),
    ("inventory_plugins", "std:label", "-1", "plugins/inventory.html#inventory-plugins", "Inventory plugins"),
    ("lookup_plugins", "std:label", "-1", "plugins/lookup.html#lookup-plugins", "Lookup plugins"),
    ("module_defaults", "std:label", "-1", "playbook_guide/playbooks_module_defaults.html#module-defaults", "Module defaults"),
    ("ANSIBLE_DEBUG", "std:envvar", "1", "reference_appendices/config.html#envvar-ANSIBLE_DEBUG", "-"),
    ("ANSIBLE_CACHE_PLUGIN", "std:envvar", "1", "reference_appendices/config.html#envvar-ANSIBLE_CACHE_PLUGIN", "-"),
    ("ANSIBLE_CACHE_PLUGIN_CONNECTION", "std:envvar", "1", "reference_appendices/config.html#envvar-ANSIBLE_CACHE_PLUGIN_CONNECTION", "-"),
    ("ANSIBLE_CACHE_PLUGIN_PREFIX", "std:envvar", "1", "reference_appendices/config.html#envvar-ANSIBLE_CACHE_PLUGIN_PREFIX", "-"),
    ("ANSIBLE_CACHE_PLUGIN_TIMEOUT", "std:envvar", "1", "reference_appendices/config.html#envvar-ANSIBLE_CACHE_PLUGIN_TIMEOUT", "-"),
)


def main() -> None:
    header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n"
    body = "".join(" ".join(entry) + "\n" for entry in ENTRIES)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ansible_devel.inv")
    with open(path, "wb") as handle:
        handle.write(header.encode("utf-8") + zlib.compress(body.encode("utf-8")))


if __name__ == "__main__":
    main()
