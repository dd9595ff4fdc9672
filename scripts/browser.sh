#!/usr/bin/env bash
# Sourced by test.sh: makes the console's browser test possible. Installs
# Debian's chromium when root and it is missing, and playwright-core into
# .data/node (git-ignored); exports OUTDIAL_TEST_CHROMIUM and
# OUTDIAL_TEST_NODE_PATH when both can be had, and says why not otherwise
# (the browser test then skips, saying so too).
browser_setup() {
  local chromium=/usr/bin/chromium version=1.65.1
  if [[ ! -x $chromium && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "--- installing Debian's chromium for the console's browser test (a minute or two, once)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >.data/chromium-install.log 2>&1 ||
      echo "browser test: chromium could not be installed; see .data/chromium-install.log"
  fi
  if [[ ! -x $chromium ]]; then
    echo "browser test: no $chromium (install Debian's chromium); the console's browser test will skip"
    return 0
  fi
  if [[ ! -d .data/node/node_modules/playwright-core ]]; then
    if ! command -v npm >/dev/null; then
      echo "browser test: no npm to install playwright-core; the console's browser test will skip"
      return 0
    fi
    echo "--- installing playwright-core $version into .data/node for the console's browser test"
    mkdir -p .data/node
    (cd .data/node && npm install --silent --no-audit --no-fund "playwright-core@$version") >.data/node-install.log 2>&1 ||
      { echo "browser test: playwright-core could not be installed; see .data/node-install.log"; return 0; }
  fi
  export OUTDIAL_TEST_CHROMIUM=$chromium
  export OUTDIAL_TEST_NODE_PATH=$PWD/.data/node/node_modules
}
