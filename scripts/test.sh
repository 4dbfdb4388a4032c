#!/usr/bin/env bash
# Runs the whole test suite (unit, integration against the machine's PostgreSQL and RabbitMQ, and
# process-level tests of the real jar). Extra arguments go to Maven, e.g. -Dtest=ReadApiTest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/find-jdk.sh"
export JAVA_HOME="$(find_jdk)"
cd "$here"
exec ./mvnw -B verify "$@"
