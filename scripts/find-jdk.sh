# Sourced by ./charon, .ci/run and bench scripts: prints the home of a JDK >= 21.
# Looks at JAVA_HOME, then java on PATH, then the usual install folders.
java_major() {
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1
}

find_jdk() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for dir in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] && candidates+=("$dir")
  done
  local dir major
  for dir in "${candidates[@]}"; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    major="$(java_major "$dir")"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      echo "$dir"
      return 0
    fi
  done
  echo "charon: no JDK >= 21 found; install one or set JAVA_HOME" >&2
  return 1
}
