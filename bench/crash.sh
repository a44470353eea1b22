#!/usr/bin/env bash
# The store's crash test at full size: a child process stores and records messages from four
# writers and is killed with SIGKILL at a random moment, again and again; after every restart
# each message it reported stored must be there exactly once with its exact bytes, and the
# store's check (bbolt pages and the store's own cross-references) must be clean.
# The test suite runs the same test with 6 rounds; this runs ROUNDS (default 60: about 2,400
# messages of 1 KB to 150 KB).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-60}"
LIAISOND_CRASH_ROUNDS="$rounds" go test -count=1 -run '^TestCrash$' -v ./store | grep -E 'rounds|^(ok|FAIL|---)'
