# Sourced by scripts/test.sh, the README's test command (and so by .ci/run, which only calls it):
# makes sure everything the test suite talks to or drives is on this machine before Maven starts.
# One function per prerequisite. Each checks first and stays quiet when all is present; otherwise
# it starts or installs what is missing (as root), or says what to do and fails (not root).
# A new prerequisite: write a prereq_* function and add it to charon_test_prerequisites.

# The checkout's root, for prerequisites that install from its files (e.g. into target/).
charon_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

charon_test_prerequisites() {
  local failed=0 prereq
  for prereq in prereq_jdk prereq_postgresql prereq_rabbitmq prereq_chromium prereq_stripe_emulator prereq_prometheus; do
    "$prereq" || failed=1
  done
  if [ "$failed" != 0 ]; then
    prereq_say "some prerequisites are missing (see above); the tests need them"
    return 1
  fi
}

prereq_say() { echo "prerequisites: $*" >&2; }

prereq_root() { [ "$(id -u)" = 0 ]; }

# prereq_apt_install PACKAGE...: Debian packages, installed as root; otherwise say how.
prereq_apt_install() {
  if ! prereq_root; then
    prereq_say "missing Debian packages $*: install them as root (apt-get install $*), or run this as root"
    return 1
  fi
  prereq_say "installing $* from Debian"
  # Lock timeouts: wait for another apt run on this machine instead of failing on its lock.
  apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get -qq -y -o DPkg::Lock::Timeout=600 install "$@" >/dev/null
}

# prereq_port_open HOST PORT: something accepts TCP connections there.
prereq_port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# A JDK >= 21 (the machine's default java may be older): exports JAVA_HOME.
prereq_jdk() {
  source "$charon_root/scripts/find-jdk.sh"
  JAVA_HOME="$(find_jdk)" || return 1
  export JAVA_HOME
}

# The machine's PostgreSQL on 127.0.0.1:5432, where test classes create their own databases;
# not needed when CHARON_TEST_DB_URL names another server.
prereq_postgresql() {
  [ -z "${CHARON_TEST_DB_URL:-}" ] || return 0
  prereq_port_open 127.0.0.1 5432 && return 0
  if ! prereq_root || ! command -v pg_ctlcluster >/dev/null; then
    prereq_say "PostgreSQL does not answer on 127.0.0.1:5432: start it (as root: pg_ctlcluster" \
      "--skip-systemctl-redirect <version> main start) or set CHARON_TEST_DB_URL to another server"
    return 1
  fi
  prereq_say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && return 0; sleep 1; done
  prereq_say "PostgreSQL did not come up on 127.0.0.1:5432 within 30 s"
  return 1
}

# The machine's RabbitMQ on 127.0.0.1:5672 (guest/guest); not needed when CHARON_TEST_AMQP_URL
# names another broker.
prereq_rabbitmq() {
  [ -z "${CHARON_TEST_AMQP_URL:-}" ] || return 0
  prereq_port_open 127.0.0.1 5672 && return 0
  if ! prereq_root || ! command -v rabbitmq-server >/dev/null; then
    prereq_say "RabbitMQ does not answer on 127.0.0.1:5672: start it (as root: rabbitmq-server -detached)" \
      "or set CHARON_TEST_AMQP_URL to another broker"
    return 1
  fi
  prereq_say "starting RabbitMQ"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  timeout 120 rabbitmqctl await_startup >/dev/null && return 0
  prereq_say "RabbitMQ did not start within 120 s"
  return 1
}

# The console's browser tests drive Debian's headless Chromium through its chromedriver.
prereq_chromium() {
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && return 0
  prereq_apt_install chromium chromium-driver
}

# The alert rules' tests (PrometheusRulesTest) run Debian's promtool, from the prometheus package
prereq_prometheus() {
  [ -x /usr/bin/promtool ] && [ -x /usr/bin/prometheus ] && return 0
  prereq_apt_install prometheus
}

# The Stripe emulator the Stripe adapter's tests run against: stripe-stateful-mock from the npm
# registry, the version pinned in src/test/stripe-mock/package-lock.json, installed into
# target/stripe-mock with the machine's Node.js and npm (testing/StripeEmulator starts it, and
# installs it the same way when a test runs alone).
prereq_stripe_emulator() {
  local target="$charon_root/target/stripe-mock" source="$charon_root/src/test/stripe-mock"
  if [ -f "$target/node_modules/stripe-stateful-mock/dist/cli.js" ] && cmp -s "$source/package-lock.json" "$target/package-lock.json"; then
    return 0
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if prereq_root; then
      prereq_apt_install nodejs npm || return 1
    else
      prereq_say "Node.js and npm are needed for the Stripe emulator: apt-get install nodejs npm (as root)"
      return 1
    fi
  fi
  prereq_say "installing the Stripe emulator (stripe-stateful-mock) into target/stripe-mock"
  mkdir -p "$target" &&
    cp "$source/package.json" "$source/package-lock.json" "$target/" &&
    npm ci --prefix "$target" --no-audit --no-fund --loglevel=error >/dev/null
}
