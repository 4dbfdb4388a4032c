#!/usr/bin/env bash
# Runs only the chaos suite (real processes under faults). Sizes via CHARON_CHAOS_INVOICES,
# CHARON_CHAOS_ROUNDS, CHARON_CHAOS_FULL=true (adds broker and PostgreSQL restarts: it disturbs
# everything else using them), CHARON_CHAOS_REPORT=docs/reliability.md to write the table.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/find-jdk.sh"
export JAVA_HOME="$(find_jdk)"
cd "$here"
exec ./mvnw -B -DskipTests=false -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ChaosIT verify "$@"
