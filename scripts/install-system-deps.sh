#!/usr/bin/env bash
# Kept for old instructions: the Debian packages the tests need, now part of setup-test-env.sh.
exec bash "$(dirname "$0")/setup-test-env.sh" --system-only
