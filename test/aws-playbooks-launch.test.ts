/**
 * The aws_ec2 role's launch against a MOCK of the AWS APIs (moto's server, test/helpers/moto-plays.ts):
 * the subnet is chosen in a zone that offers the instance type (moto models DescribeInstanceTypeOfferings
 * per zone), and a launch naming an instance profile IAM does not know yet (propagation) is retried
 * until the profile exists. SSH to the instance is left out (tag aws_ssh).
 */
import test from 'ava';
import { MOTO_MISSING, motoReady as ready, motoSession } from './helpers/moto-plays';

if (!ready && process.env.CI === 'true') {
  test('moto server, Ansible and boto3 are installed (CI)', (t) => t.fail(MOTO_MISSING));
}

(ready ? test : test.skip)('mock (moto): the instance goes to a zone offering its type; a launch with an instance profile IAM does not know yet is retried until it does', async (t) => {
  t.timeout(300_000);
  const { play, state, python } = await motoSession(t);
  // moto's offerings: c7i-flex.large in eu-central-1b and -1c only (the first public subnet by name is in -1a).
  const common = ['--skip-tags', 'aws_ssh', '-e', 'instance_type=c7i-flex.large'];
  const nowhere = await play('infrastructure-play.yml', [...common.slice(0, 2), '-e', 'instance_type=t3.nowhere']);
  t.is(nowhere.failed, 1);
  t.regex(nowhere.out, /instance_type t3\.nowhere is offered in no zone of eu-central-1, and the public subnets of VPC vpc-\w+ are in eu-central-1a, eu-central-1b, eu-central-1c: choose another instance_type/);

  // The profile the launch names exists only once the launch has failed for it and is being retried.
  let retried = false;
  let created: Promise<unknown> | undefined;
  const launched = await play('infrastructure-play.yml', [...common, '-e', 'aws_instance_profile=late-profile'], (line) => {
    if (!retried && /FAILED - RETRYING: \[localhost\]: Exactly one instance of the web service exists/.test(line)) {
      retried = true;
      created = python('profile', 'late-profile');
    }
  });
  await created;
  t.true(retried, launched.out.slice(-4000));
  t.is(launched.failed, 0, launched.out.slice(-4000));
  t.like((await state()).instances, [{ zone: 'eu-central-1b', profile: 'arn:aws:iam::123456789012:instance-profile/late-profile' }]);
});
