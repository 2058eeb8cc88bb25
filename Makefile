# Used by `sam build` only (examples/chat/template.yaml: Metadata BuildMethod: makefile): each
# function's code is what scripts/package zips and checks, never the whole repository.
# The architecture is the template's (Globals: Architectures).
ARCH ?= arm64

build-ChatHttpFunction build-ChatWebSocketFunction build-ChatBroadcastFunction:
	python3 -m tools.packaging --arch $(ARCH) --stage-into "$(ARTIFACTS_DIR)"

.PHONY: build-ChatHttpFunction build-ChatWebSocketFunction build-ChatBroadcastFunction
