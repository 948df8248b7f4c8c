#!/bin/sh
# Runs one Node test file of the fake cluster. The fakes need
# @grpc/grpc-js and @grpc/proto-loader in tests/cluster/node_modules
# (scripts/setup.sh installs them); without them the test is skipped.
# usage: run-node-test.sh TEST.mjs PROTO_DIR EXTRA_PLUGIN_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/@grpc/grpc-js" ] || [ ! -d "$here/node_modules/@grpc/proto-loader" ]; then
  echo "tests/cluster/node_modules is missing: run scripts/setup.sh"
  exit 77
fi
export JMP_TEST_PROTO_DIR="$2"
export JUMPSTARTER_PLUGIN_PATH="$3${JUMPSTARTER_PLUGIN_PATH:+:$JUMPSTARTER_PLUGIN_PATH}"
exec node --test --test-reporter=spec "$1"
