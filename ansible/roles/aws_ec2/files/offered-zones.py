"""Prints, as a JSON list, the availability zones of REGION that offer INSTANCE_TYPE (EC2's
DescribeInstanceTypeOfferings, which the amazon.aws collection has no module for).

    offered-zones.py REGION INSTANCE_TYPE

Credentials and profile come from boto3's default chain, as for the amazon.aws modules; so does the
endpoint those modules take from EC2_URL / AWS_URL (the tests point them at a mock).
"""
import json
import os
import sys

import boto3


def main() -> None:
    region, instance_type = sys.argv[1:3]
    endpoint = os.environ.get("EC2_URL") or os.environ.get("AWS_URL") or None
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint)
    zones = set()
    pages = ec2.get_paginator("describe_instance_type_offerings").paginate(
        LocationType="availability-zone",
        Filters=[{"Name": "instance-type", "Values": [instance_type]}],
    )
    for page in pages:
        zones.update(offering["Location"] for offering in page["InstanceTypeOfferings"])
    print(json.dumps(sorted(zones)))


if __name__ == "__main__":
    main()
