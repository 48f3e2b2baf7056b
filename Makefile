# Shared rules of both challenges. Each challenge-N/Makefile sets what is really its own (the synthetic
# sample, the Lambda's event and environment) and includes this file; run make from challenge-N/:
#
#   make init          npm ci at the root; Ansible (+ amazon.aws, community.aws), boto3 for Ansible's own Python
#   make               build -> infrastructure -> raw-data -> preprocess -> webservice -> URLs and curl lines
#   make build | infrastructure | raw-data | preprocess | webservice     one step
#   make logs          (local) the ETL runs on upload of this challenge's raw bucket, and the latest log
#   make stop          stop the web service, and the emulators when no challenge still uses them
#   make clean         remove everything the target created for this challenge
#   make salt          random suffix on resource names (infrastructure/salt.yml)
#
# Settings (command line or environment): TARGET=local|aws (default local), SERVICE_PORT, S3_PORT,
# DYNAMODB_PORT (default: infrastructure/config.yml), STATE_DIR (default <repo>/.state),
# TEST_DATA_FILE (default: test_data_file of config.yml; empty: a synthetic sample).

# GNU make 4.2 or later: the rules read files with $(file <...) (4.2). macOS's own make is 3.81.
ifneq ($(filter 3.% 4.0% 4.1%,$(MAKE_VERSION)),)
$(error GNU make 4.2 or later is needed, this is make $(MAKE_VERSION) (macOS's own make is 3.81): install GNU make (brew install make) and run gmake instead of make, for example: gmake init && gmake)
endif

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

ifeq ($(CURDIR),$(ROOT))
# ------------------------------------------------------------------------------ at the repository root
.DEFAULT_GOAL := help
.PHONY: help
help:
	@echo "Run make in a challenge folder: cd challenge-1 && make init && make (or challenge-2)."
	@echo "Tests: npm test (unit and integration), npm run test:e2e (the whole make sequence)."
else
# ---------------------------------------------------------------------------- in a challenge folder
.DEFAULT_GOAL := all
CHALLENGE := $(notdir $(CURDIR))
TARGET ?= local
ifeq ($(filter $(TARGET),local aws),)
$(error TARGET must be local or aws, got "$(TARGET)")
endif

TSX := node --import tsx
TOOLS := $(ROOT)/infrastructure/tools
BUILD_DIR := $(ROOT)/build
STATE_DIR ?= $(ROOT)/.state
override STATE_DIR := $(abspath $(STATE_DIR))
# This challenge's record of what it did on the target (stamps); the rest of the state folder is shared.
CHALLENGE_STATE := $(STATE_DIR)/$(CHALLENGE)-$(TARGET)
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED := true
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

# The configuration, read by core/config.ts (salt applied) and turned into CFG_<key> variables.
# Regenerated when config.yml changes or a file appears in or leaves infrastructure/ (salt.yml).
CONFIG_MK := build/config.mk
NO_CONFIG_GOALS := init init-system init-npm init-local salt
ifneq ($(filter-out $(NO_CONFIG_GOALS),$(or $(MAKECMDGOALS),all)),)
include $(CONFIG_MK)
endif
$(CONFIG_MK): infrastructure/config.yml $(CURDIR)/infrastructure $(ROOT)/core/config.ts | $(ROOT)/node_modules
	@mkdir -p $(@D)
	$(TSX) $(TOOLS)/config-mk.ts . > $@

SERVICE_PORT ?= $(CFG_service_port)
S3_PORT ?= $(CFG_local_s3_port)
DYNAMODB_PORT ?= $(CFG_local_dynamodb_port)
SERVICE_URL = http://127.0.0.1:$(SERVICE_PORT)
PLAYBOOK = ansible-playbook -e target=$(TARGET) -e service_port=$(SERVICE_PORT) -e local_s3_port=$(S3_PORT) -e local_dynamodb_port=$(DYNAMODB_PORT)

# Stamps that change when what they record changes, not only when a file is newer: a stamp holds its
# identity and is forced when that differs (another file, bucket, key, event, port...).
empty :=
space := $(empty) $(empty)
as_word = _$(subst $(space),|,$(strip $(1)))
FORCE_UNLESS = $(if $(wildcard $(2)),$(if $(filter-out $(call as_word,$(1)),$(call as_word,$(file < $(2)))),FORCE),FORCE)
.PHONY: FORCE
FORCE:

.PHONY: all init init-system init-npm init-$(TARGET) build infrastructure raw-data preprocess webservice urls stop clean salt logs

all: build infrastructure $(CHALLENGE_STATE)/raw-data.stamp $(CHALLENGE_STATE)/preprocess.stamp webservice
	$(print_urls)

# ------------------------------------------------------------------------------------------------ init
init: init-system init-npm init-$(TARGET)

init-system:
	@$(ROOT)/infrastructure/tools/install-system-packages.sh

init-npm:
	@echo "npm ci (in $(ROOT))"
	cd $(ROOT) && npm ci --no-audit --no-fund

# Every step runs the project's TypeScript tools: they need the npm packages.
$(ROOT)/node_modules:
	@echo "make: $@ is missing: run make init first" >&2; exit 1

# ----------------------------------------------------------------------------------------------- build
# infrastructure/build/build.ts rewrites an artifact only when its bytes change and writes a make
# depfile (build/.deps/<artifact>.d) listing every input esbuild read, for its stamp.
BUILD_STAMPS := $(BUILD_DIR)/.deps/lambda.stamp $(BUILD_DIR)/.deps/layer.stamp $(BUILD_DIR)/.deps/service.stamp
-include $(wildcard $(BUILD_DIR)/.deps/*.d)

build: $(BUILD_STAMPS)

$(BUILD_DIR)/.deps/lambda.stamp $(BUILD_DIR)/.deps/layer.stamp: | $(ROOT)/node_modules
	cd $(ROOT) && $(TSX) infrastructure/build/build.ts $(basename $(@F)) --out $(BUILD_DIR)
$(BUILD_DIR)/.deps/service.stamp: | $(ROOT)/node_modules
	cd $(ROOT) && npm run --silent routes && $(TSX) infrastructure/build/build.ts service --out $(BUILD_DIR)
# The artifacts themselves change only when their content does (what downstream steps depend on).
$(BUILD_DIR)/lambda.zip: $(BUILD_DIR)/.deps/lambda.stamp ;
$(BUILD_DIR)/layer.zip: $(BUILD_DIR)/.deps/layer.stamp ;

# -------------------------------------------------------------------------------------------- raw data
# test_data_file (or TEST_DATA_FILE=...), relative to the challenge folder; when it is empty or the file
# is not there, the synthetic sample of this challenge (SYNTHETIC_KIND, SYNTHETIC_FILE) is generated.
TEST_DATA_FILE ?= $(CFG_test_data_file)
ifneq ($(wildcard $(TEST_DATA_FILE)),)
RAW_FILE := $(TEST_DATA_FILE)
RAW_KEY = $(CFG_raw_key)
SYNTHETIC :=
else
RAW_FILE := build/synthetic/$(SYNTHETIC_FILE)
RAW_KEY = $(SYNTHETIC_FILE)
SYNTHETIC := yes
endif
RAW_ID = $(abspath $(RAW_FILE)) s3://$(CFG_raw_bucket)/$(RAW_KEY) $(TARGET) $(S3_PORT)

build/synthetic/$(SYNTHETIC_FILE): $(TOOLS)/synthetic.ts
	$(TSX) $(TOOLS)/synthetic.ts $(SYNTHETIC_KIND) --out $@

define synthetic_notice
	@echo "****************************************************************************************"
	@echo "* No test_data_file$(if $(TEST_DATA_FILE), ($(TEST_DATA_FILE) is not there)) in infrastructure/config.yml:"
	@echo "* using a SYNTHETIC sample generated by the project ($(RAW_FILE)): made-up values in the"
	@echo "* real layout, NOT real data. For the real file: set test_data_file: /path/to/$(CFG_raw_key)"
	@echo "* in infrastructure/config.yml (or make TEST_DATA_FILE=...), then make."
	@echo "****************************************************************************************"
endef

# The upload's result (ETag, version id) is kept for preprocess, which waits for that version's ETL run
# when auto_ingest is on. UPLOAD_FLAGS come from the challenge's Makefile.
define upload
	$(if $(SYNTHETIC),$(synthetic_notice))
	@mkdir -p $(CHALLENGE_STATE)
	$(TOOL_ENV) $(TSX) $(TOOLS)/upload.ts --file $(RAW_FILE) --bucket $(CFG_raw_bucket) --key $(RAW_KEY) --result-file $(CHALLENGE_STATE)/raw-data.json $(UPLOAD_FLAGS)
	@echo '$(RAW_ID)' > $(CHALLENGE_STATE)/raw-data.stamp
endef

raw-data: infrastructure $(RAW_FILE)
	$(upload)
$(CHALLENGE_STATE)/raw-data.stamp: $(RAW_FILE) $(call FORCE_UNLESS,$(RAW_ID),$(CHALLENGE_STATE)/raw-data.stamp) | infrastructure
	$(upload)

# ------------------------------------------------------------------------------------------ preprocess
# The ETL Lambda on the uploaded object: LAMBDA_EVENT and LAMBDA_ENV come from the challenge's Makefile.
# A thrown error fails make with its message. With auto_ingest (SPEC 6.3) the upload itself ran the ETL
# (ETL_WAIT, per target, waits for the run of the version it uploaded and prints its result); without
# it, or when only the code changed since the upload, the ETL runs here synchronously (LAMBDA_RUN).
PREPROCESS_ID = $(LAMBDA_EVENT) $(LAMBDA_ENV) $(TARGET) $(CFG_auto_ingest)
ETL_RUN = $(if $(and $(ETL_WAIT),$(filter true,$(CFG_auto_ingest)),$(filter %/raw-data.stamp,$?)),$(ETL_WAIT),$(LAMBDA_RUN))

define preprocess
	$(ETL_RUN)
	@echo '$(PREPROCESS_ID)' > $(CHALLENGE_STATE)/preprocess.stamp
endef

# `make preprocess` on its own: with auto_ingest, waits for the upload's run unless that upload was already
# preprocessed (then, after a code change say, the ETL runs here).
UPLOAD_UNPROCESSED = [ ! -e $(CHALLENGE_STATE)/preprocess.stamp ] || [ $(CHALLENGE_STATE)/raw-data.stamp -nt $(CHALLENGE_STATE)/preprocess.stamp ]
preprocess: $(CHALLENGE_STATE)/raw-data.stamp build
	$(if $(and $(ETL_WAIT),$(filter true,$(CFG_auto_ingest))),if $(UPLOAD_UNPROCESSED); then $(ETL_WAIT); else $(LAMBDA_RUN); fi,$(LAMBDA_RUN))
	@echo '$(PREPROCESS_ID)' > $(CHALLENGE_STATE)/preprocess.stamp
$(CHALLENGE_STATE)/preprocess.stamp: $(CHALLENGE_STATE)/raw-data.stamp $(BUILD_DIR)/lambda.zip $(BUILD_DIR)/layer.zip $(call FORCE_UNLESS,$(PREPROCESS_ID),$(CHALLENGE_STATE)/preprocess.stamp) | infrastructure
	$(preprocess)

# ------------------------------------------------------------------------------------------ webservice
# The shared web-service role decides itself whether anything changed (and restarts only then).
webservice: $(BUILD_DIR)/.deps/service.stamp infrastructure
	$(PLAYBOOK) infrastructure/webservice-play.yml

print_urls = @$(TSX) $(TOOLS)/examples.ts --challenge-dir . --url $(SERVICE_URL) $(if $(SYNTHETIC),--synthetic)
urls:
	$(print_urls)

# --------------------------------------------------------------------------------------- clean build/
# The challenge's build/ folder holds each target's own part (local: webservice/, aws: aws/) and what both
# share (config.mk, the synthetic sample): a target's clean removes its part, the shared rest with the last
# of them. $(1): this target's folder, $(2): the other target's.
clean_build = rm -rf build/$(1) && if [ ! -e build/$(2) ]; then rm -rf build; fi

# ---------------------------------------------------------------------------------------------- salt
# Written quoted: unquoted, YAML 1.1 (Ansible) and YAML 1.2 (core/config.ts) read some salts differently
# (01234567 octal, 123456e7 a float, 00000000 false), and the two sides would name resources apart.
# SALT=... chooses one (4 to 16 lower-case letters or digits, what core/config.ts accepts).
SALT_FORM := ^[a-z0-9]{4,16}$$
salt:
	@if [ -f infrastructure/salt.yml ]; then \
	  echo "infrastructure/salt.yml already sets $$(cat infrastructure/salt.yml); to change it: make clean, delete the file, make salt"; \
	else \
	  salt='$(or $(SALT),$(shell od -An -N4 -tx1 /dev/urandom | tr -d ' \n'))'; \
	  [[ "$$salt" =~ $(SALT_FORM) ]] || { echo "make salt: SALT=$$salt: a salt is 4 to 16 lower-case letters or digits" >&2; exit 1; }; \
	  echo "salt: \"$$salt\"" > infrastructure/salt.yml; \
	  echo "infrastructure/salt.yml: $$(cat infrastructure/salt.yml) (resource names get -$$salt)"; \
	fi

# ================================================================================= target: local
# S3 and DynamoDB emulators on 127.0.0.1 (infrastructure/emulators/daemon.ts: detached, pid files,
# state in STATE_DIR shared by both challenges, one lease per challenge), the Lambda in a Lambda-like
# child process (infrastructure/tools/invoke-local.ts), the web service on this machine.
ifeq ($(TARGET),local)
DAEMON := $(TSX) $(ROOT)/infrastructure/emulators/daemon.ts --state-dir $(STATE_DIR) --s3-port $(S3_PORT) --dynamodb-port $(DYNAMODB_PORT)
TOOL_ENV := AWS_REGION=$(CFG_aws_region) S3_ENDPOINT=http://127.0.0.1:$(S3_PORT) DYNAMODB_ENDPOINT=http://127.0.0.1:$(DYNAMODB_PORT)

LAMBDA_RUN = $(TOOL_ENV) LOG_LEVEL=info $(TSX) $(TOOLS)/invoke-local.ts \
	--lambda $(BUILD_DIR)/lambda.zip --layer $(BUILD_DIR)/layer.zip --handler $(CFG_lambda_handler) \
	--function-name $(CFG_lambda_function) --memory $(CFG_lambda_memory_mb) --timeout $(CFG_lambda_timeout_s) \
	--event '$(LAMBDA_EVENT)' $(addprefix --env ,$(LAMBDA_ENV))

# After the play, and when it cannot run (no boto3, Ansible broken...): the service stopped by its pid file.
STOP_SERVICE = $(TSX) $(TOOLS)/stop-service.ts build/webservice

# ETL on upload: the S3 emulator's process runs the built Lambda for each object created in the raw
# bucket with the raw key's suffix (infrastructure/emulators/auto-ingest.ts); runs and logs are kept in
# $(STATE_DIR)/auto-ingest/runs/<bucket>/ (make logs).
AUTO_INGEST := $(TSX) $(TOOLS)/auto-ingest.ts
ETL_WAIT = $(AUTO_INGEST) wait --state-dir $(STATE_DIR) --upload-result $(CHALLENGE_STATE)/raw-data.json

init-local:

# The ETL on upload runs the built Lambda: it is built before the bucket is registered for it.
infrastructure: $(CONFIG_MK) $(BUILD_DIR)/lambda.zip $(BUILD_DIR)/layer.zip
	$(DAEMON) start --user $(CHALLENGE)
	$(PLAYBOOK) infrastructure/infrastructure-play.yml
	@$(TOOL_ENV) $(AUTO_INGEST) register . --state-dir $(STATE_DIR) --lambda $(BUILD_DIR)/lambda.zip --layer $(BUILD_DIR)/layer.zip $(addprefix --env ,$(LAMBDA_ENV))

logs:
	@$(AUTO_INGEST) logs --state-dir $(STATE_DIR) --bucket $(CFG_raw_bucket)

stop:
	$(PLAYBOOK) infrastructure/webservice-play.yml -e webservice_state=stopped || \
	  echo "make stop: the play failed (above): stopping the service by its pid file" >&2
	$(STOP_SERVICE)
	$(DAEMON) stop --user $(CHALLENGE)

# The cleanup play needs the emulators; they stop again at the end unless the other challenge uses them.
# When it fails, the service and the emulators are stopped all the same and make clean fails: the buckets,
# the table and this challenge's records stay for the next make clean.
clean:
	if ! { $(DAEMON) start --user $(CHALLENGE) && $(PLAYBOOK) infrastructure/cleanup-play.yml && \
	       $(AUTO_INGEST) unregister . --state-dir $(STATE_DIR); }; then \
	  echo "make clean: the cleanup failed (above): stopping this challenge's processes; its stores stay in $(STATE_DIR) until make clean succeeds" >&2; \
	  $(STOP_SERVICE) || true; $(DAEMON) stop --user $(CHALLENGE) || true; exit 1; \
	fi
	$(STOP_SERVICE)
	rm -rf $(CHALLENGE_STATE)
	$(DAEMON) clean --user $(CHALLENGE)
	$(call clean_build,webservice,aws)

else
# Real AWS: the same steps and playbooks, with the AWS tools (SPEC §6.2).
include $(ROOT)/infrastructure/aws.mk
endif
endif
