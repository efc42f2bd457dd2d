# Building and testing one govchain contract outside the repository, with the
# compiler flags of docs/contracts.md section 3. A contract folder's Makefile
# sets CONTRACT (its name), GOVCHAIN_SDK (this folder) and GOVCHAIN (the
# govchain command-line tool) and includes this file:
#
#   make         build/$(CONTRACT).wasm, then build/$(CONTRACT).abi.json read
#                from the module's ABI section (`govchain contract abi`); if the
#                folder holds a handwritten $(CONTRACT).abi.json, it is checked
#                against the module and the build fails on any difference
#   make test    builds $(CONTRACT)_test.cpp with the contract natively against
#                the SDK's mock host (doctest, libsecp256k1) and runs it
#   make debug   build/$(CONTRACT).debug.wasm with debug() output (dev chains only)
#   make clean
#
# Needs clang with the wasm32 target, wasm-ld (lld), doctest and libsecp256k1
# (Debian: clang lld doctest-dev libsecp256k1-dev pkg-config). More source
# files of the contract: EXTRA_SOURCES; headers in the folder are dependencies.

ifndef CONTRACT
$(error set CONTRACT to the contract's name before including contract.mk)
endif
GOVCHAIN_SDK ?= $(dir $(lastword $(MAKEFILE_LIST)))
GOVCHAIN ?= govchain
CXX_WASM ?= clang++
CXX_NATIVE ?= clang++
BUILD ?= build

SDK_HEADERS := $(wildcard $(GOVCHAIN_SDK)/govchain/*.h)
LOCAL_HEADERS := $(wildcard *.h)
SOURCES := $(CONTRACT).cpp $(EXTRA_SOURCES)
WASM_FLAGS := --target=wasm32 -std=c++20 -Os -nostdlib -fno-exceptions -fno-rtti -fvisibility=hidden \
  -Wall -Wextra -Werror -I$(GOVCHAIN_SDK) -I. -Wl,--no-entry -Wl,--strip-all -Wl,-z,stack-size=65536
TEST_FLAGS := -std=c++20 -O1 -g -Wall -Wextra -Werror -I$(GOVCHAIN_SDK) -I. \
  $(shell pkg-config --cflags libsecp256k1 2>/dev/null)
TEST_LIBS := $(shell pkg-config --libs libsecp256k1 2>/dev/null || echo -lsecp256k1)

.PHONY: all test debug clean
.DELETE_ON_ERROR:

all: $(BUILD)/$(CONTRACT).wasm $(BUILD)/$(CONTRACT).abi.json

$(BUILD)/$(CONTRACT).wasm: $(SOURCES) $(LOCAL_HEADERS) $(SDK_HEADERS)
	@mkdir -p $(BUILD)
	$(CXX_WASM) $(WASM_FLAGS) -o $@ $(SOURCES)

# The ABI comes from the module; a handwritten one beside the sources must agree.
$(BUILD)/$(CONTRACT).abi.json: $(BUILD)/$(CONTRACT).wasm $(wildcard $(CONTRACT).abi.json)
	$(GOVCHAIN) contract abi $< --out $@ $(if $(wildcard $(CONTRACT).abi.json),--check $(CONTRACT).abi.json)

test: $(BUILD)/$(CONTRACT)_test
	./$(BUILD)/$(CONTRACT)_test

$(BUILD)/$(CONTRACT)_test: $(CONTRACT)_test.cpp $(SOURCES) $(LOCAL_HEADERS) $(SDK_HEADERS)
	@mkdir -p $(BUILD)
	$(CXX_NATIVE) $(TEST_FLAGS) -o $@ $(CONTRACT)_test.cpp $(SOURCES) $(TEST_LIBS)

debug: $(BUILD)/$(CONTRACT).debug.wasm

$(BUILD)/$(CONTRACT).debug.wasm: $(SOURCES) $(LOCAL_HEADERS) $(SDK_HEADERS)
	@mkdir -p $(BUILD)
	$(CXX_WASM) $(WASM_FLAGS) -DGOVCHAIN_DEBUG -o $@ $(SOURCES)

clean:
	rm -rf $(BUILD)
