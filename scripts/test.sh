#!/usr/bin/env bash
# Runs the whole test suite (unit, integration against the machine's PostgreSQL and RabbitMQ, and
# process-level tests of the real jar). First it checks, starts or installs what the tests need
# (scripts/prerequisites.sh: a JDK >= 21, PostgreSQL, RabbitMQ, Chromium). Extra arguments go to
# Maven, e.g. -Dtest=ReadApiTest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/prerequisites.sh"
charon_test_prerequisites || exit 1
cd "$here"

# --- prerequisite: the Stripe emulator (issue 18) --------------------------------------------
# The Stripe adapter's tests run against stripe-stateful-mock from the npm registry, the version
# pinned in src/test/stripe-mock/package-lock.json, installed into target/stripe-mock with the
# machine's Node.js and npm (testing/StripeEmulator starts it; it installs the same way when run
# alone). To move into the shared prerequisites script once that lands, as prereq_stripe_emulator.
prereq_stripe_emulator() {
  local target="$here/target/stripe-mock" source="$here/src/test/stripe-mock"
  if [ -f "$target/node_modules/stripe-stateful-mock/dist/cli.js" ] && cmp -s "$source/package-lock.json" "$target/package-lock.json"; then
    return 0
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "prerequisites: Node.js and npm are needed for the Stripe emulator (apt-get install nodejs npm)" >&2
    return 1
  fi
  echo "prerequisites: installing the Stripe emulator (stripe-stateful-mock) into target/stripe-mock" >&2
  mkdir -p "$target"
  cp "$source/package.json" "$source/package-lock.json" "$target/"
  npm ci --prefix "$target" --no-audit --no-fund --loglevel=error >/dev/null
}
prereq_stripe_emulator
# --- end of the Stripe emulator prerequisite --------------------------------------------------

exec ./mvnw -B verify "$@"
