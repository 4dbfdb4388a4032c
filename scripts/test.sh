#!/usr/bin/env bash
# Runs the whole test suite (unit, integration against the machine's PostgreSQL and RabbitMQ, and
# process-level tests of the real jar). First it checks, starts or installs what the tests need
# (scripts/prerequisites.sh: a JDK >= 21, PostgreSQL, RabbitMQ, Chromium, the Stripe emulator, Prometheus).
# Extra arguments go to Maven, e.g. -Dtest=ReadApiTest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/prerequisites.sh"
charon_test_prerequisites || exit 1
cd "$here"

exec ./mvnw -B verify "$@"
