# ================================================================================== target: aws
# Real AWS (SPEC §6.2), for `make ... TARGET=aws` in a challenge folder. Included by the top-level
# Makefile after its shared rules, whose variables it uses (TSX, TOOLS, BUILD_DIR, PLAYBOOK, CONFIG_MK,
# CHALLENGE_STATE, CFG_*, LAMBDA_EVENT, LAMBDA_ENV). Credentials come from the AWS SDK's and boto3's
# default chain (environment, AWS_PROFILE, SSO, instance role); `make init TARGET=aws` checks them.
#
#   infrastructure  buckets (+ table), IAM roles, security group, EC2 instance (ansible-playbook)
#   preprocess      layer + function deployed or updated in place, invoked synchronously (lambda-deploy.ts),
#                   then the raw bucket's notification of it (auto_ingest)
#   webservice      the service on the instance under systemd (same playbook and role as local)
#   clean           everything above, in dependency order (cleanup-play.yml)

# The tools talk to AWS itself: no emulator endpoints.
TOOL_ENV := AWS_REGION=$(CFG_aws_region)

init: init-aws
.PHONY: init-aws
init-aws: init-system init-npm
	$(TSX) $(TOOLS)/aws-preflight.ts .

# ETL on upload (auto_ingest): the bucket notification needs the function, so once it is deployed the
# infrastructure play's notification tasks run (a no-op when nothing changed). The upload make did
# before the first deploy notified nothing: this run is its ETL.
LAMBDA_RUN = $(TOOL_ENV) LOG_LEVEL=info $(TSX) $(TOOLS)/lambda-deploy.ts run . \
	--layer-zip $(BUILD_DIR)/layer.zip --function-zip $(BUILD_DIR)/lambda.zip \
	--event '$(LAMBDA_EVENT)' $(addprefix --env ,$(LAMBDA_ENV)) \
	&& $(PLAYBOOK) infrastructure/infrastructure-play.yml --tags notification

infrastructure: $(CONFIG_MK)
	$(PLAYBOOK) infrastructure/infrastructure-play.yml

# The instance's address, written by the aws_ec2 role when it finds the instance.
SERVICE_URL = $(shell node -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync("build/aws/instance.json", "utf8")).service_url) } catch {}')

# The ETL's runs on AWS log to CloudWatch Logs.
logs:
	@echo "ETL runs on AWS log to CloudWatch Logs, group /aws/lambda/$(CFG_lambda_function) (region $(CFG_aws_region))"

# Stops the service on the instance (the instance keeps running: make clean removes it).
stop:
	$(PLAYBOOK) infrastructure/webservice-play.yml -e webservice_state=stopped

clean:
	$(PLAYBOOK) infrastructure/cleanup-play.yml
	rm -rf $(CHALLENGE_STATE) build
