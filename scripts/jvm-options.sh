# Sourced by ./charon: the JVM options a role runs with (the benchmark harness, dev.charon.bench, uses the same heaps).

# charon_heap_options ROLE: a bounded heap per long-running role. Without one the JVM takes a
# quarter of the machine's memory and a worker's young generation grows past a gigabyte before its
# first collection.
charon_heap_options() {
  case "$1" in
    worker | server) echo "-Xmx256m" ;;
    gateway | demo) echo "-Xmx512m" ;;
  esac
}

# charon_cds_options ROLE DIR: class-data sharing for the roles that are started often (deploys,
# scaling out, a killed worker's replacement). The first process of the role that exits normally
# writes an archive of the classes it loaded to DIR/charon-ROLE.jsa; later starts map it instead of
# loading, parsing and verifying those classes again, which takes about 40% off a worker's start
# to its first charge (BENCHMARKS.md, scenario 5). A rebuilt jar makes the archive stale: the JVM
# then ignores it and writes a new one at exit. A missing or unreadable archive is not an error.
charon_cds_options() {
  case "$1" in
    worker | server) echo "-XX:SharedArchiveFile=$2/charon-$1.jsa -XX:+AutoCreateSharedArchive -Xlog:cds*=error" ;;
  esac
}
