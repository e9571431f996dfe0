# -*- coding: utf-8 -*-
# Copyright: contributors to crossaccount.aws
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # One fragment for modules and the lookup: unset options fall back to boto3's own chain.
    DOCUMENTATION = r"""
options:
  profile:
    description:
      - Named profile from the AWS shared config and credentials files.
      - Cannot be combined with O(access_key), O(secret_key) or O(session_token).
      - When unset, boto3's own chain applies (E(AWS_PROFILE), environment keys, shared files, instance roles).
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - AWS access key id. When unset, boto3's credential chain is used.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - AWS secret access key. Never logged or returned.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - Session token that goes with temporary credentials. Never logged or returned.
    type: str
    aliases: [aws_session_token]
  region:
    description:
      - AWS region for regional endpoints such as STS. Falls back to boto3's configuration, then C(us-east-1).
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL of the AWS API endpoint, for example a local emulator.
      - When unset, E(AWS_ENDPOINT_URL) and the profile's C(endpoint_url) apply, as in boto3.
    type: str
    aliases: [aws_endpoint_url]
  validate_certs:
    description:
      - Verify TLS certificates of the endpoint.
    type: bool
    default: true
  aws_ca_bundle:
    description:
      - CA bundle used to verify the endpoint's certificate.
    type: path
notes:
  - Throttling and server errors are retried by botocore's C(standard) retry mode (10 attempts).
  - Secrets (O(secret_key), O(session_token)) are marked C(no_log) and never appear in results.
requirements:
  - boto3 >= 1.34.0
  - botocore >= 1.34.0
"""
