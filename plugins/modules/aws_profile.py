#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_profile
short_description: Write an AWS CLI / SDK named profile for a cross-account role or temporary credentials
version_added: 0.1.0
description:
  - Adds, updates or removes one named profile in the AWS shared config file or the shared credentials file, so that
    C(aws ... --profile NAME) and C(boto3.Session(profile_name=NAME)) work.
  - With O(kind=role) the profile goes into the config file as C([profile NAME]) (C([default]) for the name C(default)) with
    C(role_arn) and C(source_profile) or C(credential_source); the AWS CLI and the SDKs then call C(sts:AssumeRole) and
    refresh the temporary credentials on their own.
  - With O(kind=credentials) the keys (for example the result of M(crossaccount.aws.assume_role)) go into the credentials file
    as C([NAME]); O(region) and O(endpoint_url) are written next to them, where the AWS CLI and the SDKs read them too.
  - The module makes no AWS call and takes no connection options.
  - Only the profile's own section changes. Every other profile, comment, blank line and their order stay byte for byte.
    Inside the section, the keys of the chosen O(kind) are set to exactly the given options (keys of that kind that are not
    given are removed); other keys there, such as C(output) or C(s3) settings, and comments are kept.
  - Files are written atomically (temporary file in the same directory, then rename) with mode C(0600); a missing
    directory is created with mode C(0700). An existing file that is readable by group or others is tightened to C(0600).
  - A file that botocore could not parse is reported and left untouched, and so is a file with more than one section for the
    profile (C([profile foo]) and C([profile "foo"]), or C([default]) and C([profile default])).
author:
  - crossaccount.aws contributors (@crossaccount)
options:
  name:
    description:
      - Profile name, as given to C(--profile) or E(AWS_PROFILE).
      - 1 to 128 letters, digits and C(_+=,.@:/-).
    type: str
    required: true
  kind:
    description:
      - V(role) writes an assume-role profile into O(config_file).
      - V(credentials) writes static or temporary keys into O(credentials_file).
    type: str
    choices: [role, credentials]
    default: role
  state:
    description:
      - V(absent) removes the profile's section from the file its O(kind) writes (only that file). Other options are ignored.
    type: str
    choices: [present, absent]
    default: present
  config_file:
    description:
      - The AWS shared config file edited when O(kind=role).
      - Defaults to E(AWS_CONFIG_FILE) on the managed host, else C(~/.aws/config), which is what the AWS CLI reads.
      - A symbolic link is followed and its target is edited, but only a link owned by the user running the module or by
        root (running as root on another user's path, that user's links are refused). It must be a regular file.
      - Files and directories the module creates are owned like the directory they are created in.
      - The path is resolved once; reading, locking and the atomic replace then work on the directory found, so a user
        who swaps a directory of the path for a link while the module runs as root (C(become)) cannot make it read or
        write anywhere else.
    type: path
  credentials_file:
    description:
      - The AWS shared credentials file edited when O(kind=credentials).
      - Defaults to E(AWS_SHARED_CREDENTIALS_FILE) on the managed host, else C(~/.aws/credentials).
      - Symbolic links, regular files only and ownership as for O(config_file).
    type: path
  role_arn:
    description:
      - ARN of the role the profile assumes. Required when O(kind=role) and O(state=present).
    type: str
  source_profile:
    description:
      - Profile whose credentials assume the role. Exactly one of O(source_profile) and O(credential_source) is required
        when O(kind=role) and O(state=present).
    type: str
  credential_source:
    description:
      - Where the credentials that assume the role come from, instead of O(source_profile).
    type: str
    choices: [Environment, Ec2InstanceMetadata, EcsContainer]
  external_id:
    description:
      - External id sent with C(sts:AssumeRole) (C(external_id) key).
    type: str
  mfa_serial:
    description:
      - ARN or serial number of the MFA device; the AWS CLI then prompts for a code.
    type: str
  duration_seconds:
    description:
      - Session duration requested by the CLI, 900 to 43200 seconds.
      - It must not exceed the role's maximum session duration, nor 3600 when the source profile is itself a role.
    type: int
  role_session_name:
    description:
      - Session name that appears in CloudTrail and in the assumed-role ARN (2-64 characters of C([\w+=,.@-])).
    type: str
  region:
    description:
      - Default region of the profile.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - Endpoint URL for every service used through this profile (C(endpoint_url) key), for emulators and VPC endpoints.
      - Understood by the AWS CLI v2 and by boto3 1.28 or later.
    type: str
    aliases: [aws_endpoint_url]
  access_key:
    description:
      - Access key id (C(aws_access_key_id)). Required when O(kind=credentials) and O(state=present).
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - Secret access key (C(aws_secret_access_key)). Required when O(kind=credentials) and O(state=present). Never logged or returned.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - Session token of temporary credentials (C(aws_session_token)). Never logged or returned.
      - A legacy C(aws_security_token) key in the profile is removed, since botocore would read it first.
    type: str
    aliases: [aws_session_token]
extends_documentation_fragment:
  - crossaccount.aws.attributes
  - crossaccount.aws.attributes.managed
notes:
  - The diff shows the profile's section before and after, with C(aws_secret_access_key), C(aws_session_token) and
    C(aws_security_token) values replaced by C(********).
  - Temporary credentials written with O(kind=credentials) expire; prefer O(kind=role), which the CLI and SDKs refresh themselves.
seealso:
  - module: crossaccount.aws.assume_role
  - module: crossaccount.aws.verify_access
  - name: Configuration and credential file settings
    description: The AWS CLI documentation of the two files.
    link: https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
"""

EXAMPLES = r"""
- name: Profile that assumes the cross-account role with the source account's credentials
  crossaccount.aws.aws_profile:
    name: assumed-role
    role_arn: arn:aws:iam::222222222222:role/CrossAccountDeploy
    source_profile: default
    external_id: "{{ partner_external_id }}"
    region: eu-west-1

- name: Same role from an EC2 instance profile, in a config file somewhere else
  crossaccount.aws.aws_profile:
    name: deploy
    config_file: /etc/aws/config
    role_arn: arn:aws:iam::222222222222:role/CrossAccountDeploy
    credential_source: Ec2InstanceMetadata

- name: Store temporary credentials returned by assume_role
  crossaccount.aws.aws_profile:
    name: ci-session
    kind: credentials
    access_key: "{{ assumed.credentials.access_key }}"
    secret_key: "{{ assumed.credentials.secret_key }}"
    session_token: "{{ assumed.credentials.session_token }}"
    region: us-east-1

- name: Remove the profile again
  crossaccount.aws.aws_profile:
    name: assumed-role
    state: absent
"""

RETURN = r"""
profile:
  description: The profile as written (or as it would be written in check mode). Secret values are never returned.
  returned: always
  type: dict
  contains:
    name:
      description: Profile name.
      type: str
      sample: assumed-role
    kind:
      description: V(role) or V(credentials).
      type: str
      sample: role
    state:
      description: V(present) or V(absent).
      type: str
      sample: present
    config_file:
      description: Absolute path of the config file edited.
      returned: when O(kind=role)
      type: str
      sample: /home/deploy/.aws/config
    credentials_file:
      description: Absolute path of the credentials file edited.
      returned: when O(kind=credentials)
      type: str
      sample: /home/deploy/.aws/credentials
    section:
      description: The section header of the profile, without brackets; null when absent.
      type: str
      sample: profile assumed-role
    settings:
      description: The non-secret keys written to the section (file key names).
      type: dict
      sample: {"role_arn": "arn:aws:iam::222222222222:role/CrossAccountDeploy", "source_profile": "default", "region": "eu-west-1"}
    file_mode:
      description: Octal mode of the file after the run; null when the file does not exist.
      type: str
      sample: "0600"
    mode_tightened:
      description: True when an existing file readable by group or others was (or in check mode would be) set to C(0600).
      type: bool
      sample: false
"""

from ansible_collections.crossaccount.aws.plugins.module_utils._aws_profile import ARGSPEC, handle
from ansible_collections.crossaccount.aws.plugins.module_utils._module import CrossAccountModule, run_module


def main() -> None:
    module = CrossAccountModule(ARGSPEC)
    run_module(module, handle)


if __name__ == "__main__":
    main()
