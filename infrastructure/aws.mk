# ================================================================================== target: aws
# Real AWS (SPEC §6.2), for `make ... TARGET=aws` in a challenge folder. Included by the top-level
# Makefile after its shared rules, whose variables it uses (TSX, TOOLS, BUILD_DIR, PLAYBOOK, CONFIG_MK,
# CHALLENGE_STATE, CFG_*, LAMBDA_EVENT, LAMBDA_ENV). Credentials come from the AWS SDK's and boto3's
# default chain (environment, AWS_PROFILE, SSO, instance role); `make init TARGET=aws` checks them.
#
#   infrastructure  buckets (+ table), IAM roles, security group, EC2 instance (ansible-playbook)
#   raw-data        before the upload: layer + function deployed or updated in place (lambda-deploy.ts), then
#                   the raw bucket's notification of it (auto_ingest), so the upload itself runs the ETL
#   preprocess      auto_ingest: waits for the notified run of the uploaded version (etl-wait.ts); otherwise
#                   (or when only the code changed) invokes the function synchronously
#   webservice      the service on the instance under systemd (same playbook and role as local)
#   clean           everything above, in dependency order (cleanup-play.yml)

# The tools talk to AWS itself: no emulator endpoints.
TOOL_ENV := AWS_REGION=$(CFG_aws_region)

# Variables that point AWS clients at emulators or mocks (the local target's tools, the tests, boto3 and
# amazon.aws's endpoint overrides): one left over in the shell would send this target's calls there.
# None of them reaches the aws target's commands.
LOCAL_ONLY_VARIABLES := S3_ENDPOINT DYNAMODB_ENDPOINT LAMBDA_ENDPOINT AWS_URL EC2_URL S3_URL \
	$(filter AWS_ENDPOINT_URL%,$(.VARIABLES))
IGNORED_VARIABLES := $(strip $(foreach v,$(LOCAL_ONLY_VARIABLES),$(if $(filter environment% command,$(origin $(v))),$(v))))
ifeq ($(MAKE_RESTARTS),)
ifneq ($(IGNORED_VARIABLES),)
$(info make TARGET=aws: ignoring $(IGNORED_VARIABLES) (emulator/mock endpoints, for the local target and the tests))
endif
endif
unexport $(LOCAL_ONLY_VARIABLES)
override MAKEOVERRIDES := $(filter-out $(addsuffix =%,$(LOCAL_ONLY_VARIABLES)),$(MAKEOVERRIDES))

# boto3 (Ansible) falls back to AWS_DEFAULT_PROFILE, the AWS SDK v3 (the TypeScript tools) never reads it:
# unless both name the same profile, the playbooks and the tools would act on two accounts.
ifneq ($(AWS_DEFAULT_PROFILE),)
ifneq ($(AWS_DEFAULT_PROFILE),$(or $(AWS_PROFILE),default))
$(error make TARGET=aws: AWS_DEFAULT_PROFILE=$(AWS_DEFAULT_PROFILE) but AWS_PROFILE=$(or $(AWS_PROFILE),(unset, so "default")): \
Ansible (boto3) would use one profile and the tools (AWS SDK v3, which ignores AWS_DEFAULT_PROFILE) the other. \
Set AWS_PROFILE=$(AWS_DEFAULT_PROFILE) or unset AWS_DEFAULT_PROFILE)
endif
endif

# S3 bucket names are global across every AWS account: unsalted, the default names belong to whoever
# deployed them first (s3_bucket then fails with 403). make init TARGET=aws makes a salt; every step
# that creates or uses resources requires one. (stop and clean act on whatever names are configured.)
ifeq ($(wildcard infrastructure/salt.yml),)
ifneq ($(filter-out init init-system init-npm init-aws salt stop clean,$(or $(MAKECMDGOALS),all)),)
$(error make TARGET=aws: infrastructure/salt.yml is missing. Bucket names are global across AWS, so this copy's \
resources need a suffix of their own: run make salt (or make init TARGET=aws, which makes one) first, once, and keep \
the file (it names your resources; make clean TARGET=aws needs it))
endif
endif

init: init-aws
.PHONY: init-aws
init-aws: init-system init-npm salt
	$(TSX) $(TOOLS)/aws-preflight.ts .

# ETL on upload (auto_ingest, SPEC 6.3). S3 accepts the function as a destination only once it exists, so
# the function is deployed, and the play's notification tasks run, before the upload (FUNCTION_STAMP, a
# prerequisite of raw-data): the upload then notifies the function already running the code just built,
# and preprocess waits for that run (ETL_WAIT: the run record of the uploaded version, which the handler
# writes under s3://<raw bucket>/_etl-runs/). One upload, one run. Without auto_ingest (the notification
# then absent), or when only the code changed since the upload, preprocess invokes it (LAMBDA_RUN).
FUNCTION_STAMP := $(CHALLENGE_STATE)/function.stamp
FUNCTION_ID = $(CFG_lambda_function) $(CFG_auto_ingest) $(LAMBDA_ENV)
LAMBDA_ARTIFACTS = --layer-zip $(BUILD_DIR)/layer.zip --function-zip $(BUILD_DIR)/lambda.zip $(addprefix --env ,$(LAMBDA_ENV))

$(FUNCTION_STAMP): $(BUILD_DIR)/lambda.zip $(BUILD_DIR)/layer.zip $(call FORCE_UNLESS,$(FUNCTION_ID),$(FUNCTION_STAMP)) | infrastructure
	@mkdir -p $(@D)
	$(TOOL_ENV) LOG_LEVEL=info $(TSX) $(TOOLS)/lambda-deploy.ts deploy . $(LAMBDA_ARTIFACTS)
	$(PLAYBOOK) infrastructure/infrastructure-play.yml --tags notification
	@echo '$(FUNCTION_ID)' > $@
raw-data: $(FUNCTION_STAMP)
$(CHALLENGE_STATE)/raw-data.stamp: | $(FUNCTION_STAMP)

LAMBDA_RUN = $(TOOL_ENV) LOG_LEVEL=info $(TSX) $(TOOLS)/lambda-deploy.ts run . $(LAMBDA_ARTIFACTS) --event '$(LAMBDA_EVENT)'
ETL_WAIT = $(TOOL_ENV) $(TSX) $(TOOLS)/etl-wait.ts . --upload-result $(CHALLENGE_STATE)/raw-data.json

infrastructure: $(CONFIG_MK)
	$(PLAYBOOK) infrastructure/infrastructure-play.yml

# The instance's address, written by the aws_ec2 role when it finds the instance.
SERVICE_URL = $(shell node -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync("build/aws/instance.json", "utf8")).service_url) } catch {}')

# The ETL's runs on AWS log to CloudWatch Logs; runs on upload are also recorded in the raw bucket.
logs:
	@echo "ETL runs on AWS log to CloudWatch Logs, group /aws/lambda/$(CFG_lambda_function) (region $(CFG_aws_region)); runs on upload are recorded (status, result or error, request id) under s3://$(CFG_raw_bucket)/_etl-runs/<key>/"

# Stops the service on the instance (the instance keeps running: make clean removes it).
stop:
	$(PLAYBOOK) infrastructure/webservice-play.yml -e webservice_state=stopped

clean:
	$(PLAYBOOK) infrastructure/cleanup-play.yml
	rm -rf $(CHALLENGE_STATE)
	$(call clean_build,aws,webservice)
