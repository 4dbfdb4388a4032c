package dev.charon.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * PostgreSQL refuses to run as root, yet a demo started as root (a container, a fresh VM, a clone
 * in root's mode-700 home) must start. Running the whole JVM as another user broke when that user
 * could not read the checkout, so the JVM stays root and only PostgreSQL's processes leave it:
 *
 * <ul>
 *   <li>where user namespaces work, zonky itself runs them under {@code unshare -U}, where they
 *       appear as nobody to PostgreSQL while the kernel still sees root's uid on their files;
 *   <li>elsewhere (a container whose seccomp profile forbids them), {@code initdb} and {@code
 *       pg_ctl} are scripts, in binaries unpacked here, that exec the real programs as {@code
 *       nobody} through {@code setpriv}; the server pg_ctl starts runs as nobody too.
 * </ul>
 *
 * Either way the data directory must belong to the uid the processes use, and every folder above it
 * must let that uid through.
 */
final class RootPostgres {
  private static final Logger log = LoggerFactory.getLogger(RootPostgres.class);
  static final int NOBODY = 65534;
  private static final String MARKER = ".exists"; // zonky's "binaries are unpacked" marker

  private final Path workingDirectory;
  private final byte[] archive;

  private RootPostgres(Path workingDirectory, byte[] archive) {
    this.workingDirectory = workingDirectory;
    this.archive = archive;
  }

  /** Sets up {@code builder} and the data directory for a JVM running as root. */
  static void configure(EmbeddedPostgres.Builder builder, Path dataDir, Path binariesDirectory) {
    if (LinuxUtils.isUnshareAvailable()) {
      prepareDataDirectory(dataDir, 0);
      log.info("running as root: embedded PostgreSQL runs in a user namespace (unshare -U)");
    } else {
      prepareDataDirectory(dataDir, NOBODY);
      var binaries = prepare(binariesDirectory);
      builder
          .setOverrideWorkingDirectory(binariesDirectory.toFile())
          .setPgBinaryResolver(binaries.resolver());
      log.info(
          "running as root: embedded PostgreSQL runs as the user nobody (binaries in {})",
          binariesDirectory);
    }
  }

  static boolean runningAsRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * Unpacks the binaries (once per archive) into {@code workingDirectory}/PG-<md5>, with the
   * wrappers.
   */
  private static RootPostgres prepare(Path workingDirectory) {
    requireSetpriv();
    try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64")) {
      var prepared = new RootPostgres(workingDirectory, in.readAllBytes());
      prepared.unpack();
      return prepared;
    } catch (IOException e) {
      throw new DatabaseException(
          "could not prepare PostgreSQL's binaries in " + workingDirectory, e);
    }
  }

  /** Serves the same archive bytes, so zonky's digest names the directory prepared here. */
  PgBinaryResolver resolver() {
    return (system, architecture) -> new ByteArrayInputStream(archive);
  }

  private void unpack() throws IOException {
    createOwnDirectory(workingDirectory);
    var target = workingDirectory.resolve("PG-" + md5(archive));
    if (Files.exists(target.resolve(MARKER)) && Files.exists(target.resolve("bin/pg_ctl.real"))) {
      if (!trusted(target) || !trusted(target.resolve("bin"))) {
        throw new DatabaseException(
            target + " is not root's alone: remove it and start again", null);
      }
      return;
    }
    // Unpacked aside and moved into place whole: a concurrent start sees all of it or nothing.
    var staging = workingDirectory.resolve("unpacking-" + UUID.randomUUID());
    try {
      extract(staging);
      for (var program : new String[] {"initdb", "pg_ctl"}) {
        wrap(staging.resolve("bin"), program);
      }
      Files.createFile(staging.resolve(MARKER)); // last: zonky wants it newer than the rest
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
      deleteTree(staging); // another start prepared it first
    } finally {
      if (Files.exists(staging)) {
        deleteTree(staging);
      }
    }
  }

  private void extract(Path into) throws IOException {
    try (var tar =
        new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
      for (var entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        var path = into.resolve(entry.getName()).normalize();
        if (!path.startsWith(into)) {
          throw new IOException("archive entry outside its folder: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(path.getParent());
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isFile()) {
          Files.createDirectories(path.getParent());
          Files.copy(tar, path);
          boolean executable =
              (entry.getMode() & 0111) != 0 || entry.getName().matches("(\\./)?bin/.*");
          Files.setPosixFilePermissions(
              path, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
    try (var dirs = Files.walk(into)) {
      for (var dir : dirs.filter(Files::isDirectory).toList()) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  // bin/X becomes bin/X.real; bin/X runs it as nobody. `cd /`: the caller's working directory (a
  // checkout in root's home) may be closed to nobody.
  private static void wrap(Path bin, String program) throws IOException {
    Files.move(bin.resolve(program), bin.resolve(program + ".real"));
    var script =
        """
        #!/bin/sh
        # Written by Charon: PostgreSQL refuses to run as root, so it runs as nobody.
        real="$(dirname "$0")/%s.real"
        cd / && exec setpriv --reuid=%d --regid=%d --clear-groups -- "$real" "$@"
        """
            .formatted(program, NOBODY, NOBODY);
    var wrapper = bin.resolve(program);
    Files.writeString(wrapper, script);
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  // Root runs the scripts in here, so no one else may be able to change them. zonky makes its
  // working directory writable by everyone; the sticky bit (as on /tmp) keeps others from renaming
  // or replacing what root put in it.
  private static void createOwnDirectory(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      Files.createDirectories(dir);
      Files.setAttribute(dir, "unix:mode", 01755);
    }
    int owner = (Integer) Files.getAttribute(dir, "unix:uid");
    int mode = (Integer) Files.getAttribute(dir, "unix:mode");
    boolean othersWrite = (mode & 0022) != 0;
    boolean sticky = (mode & 01000) != 0;
    if (owner != 0 || (othersWrite && !sticky)) {
      throw new DatabaseException(
          dir
              + " must belong to root and be writable by root only, or be sticky (it holds programs root"
              + " runs); remove it and start again",
          null);
    }
  }

  // The unpacked tree and its bin/ must be root's and closed to writes by others.
  private static boolean trusted(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    int owner = (Integer) Files.getAttribute(dir, "unix:uid");
    int mode = (Integer) Files.getAttribute(dir, "unix:mode");
    return owner == 0 && (mode & 0022) == 0;
  }

  /**
   * Creates the data directory for {@code uid} (mode 700), or hands an existing PostgreSQL data
   * directory (an earlier start under the other scheme) over to it.
   */
  static void prepareDataDirectory(Path dataDir, int uid) {
    try {
      var absolute = dataDir.toAbsolutePath().normalize();
      for (var dir = absolute.getParent(); dir != null; dir = dir.getParent()) {
        if (Files.exists(dir)
            && (Integer) Files.getAttribute(dir, "unix:uid") != uid
            && !Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          throw new DatabaseException(
              "as root, the embedded PostgreSQL runs as "
                  + (uid == 0 ? "root without its privileges" : "the user nobody")
                  + ", who cannot enter "
                  + dir
                  + ": set CHARON_DATA_DIR to a directory outside it (the default is under "
                  + System.getProperty("java.io.tmpdir")
                  + ")",
              null);
        }
      }
      if (!Files.exists(absolute)) {
        createReadableParents(absolute.getParent());
        Files.createDirectory(absolute);
        Files.setPosixFilePermissions(absolute, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(absolute, "unix:uid", uid);
        Files.setAttribute(absolute, "unix:gid", uid);
      }
      int owner = (Integer) Files.getAttribute(absolute, "unix:uid");
      if (owner == uid) {
        return;
      }
      boolean empty;
      try (var entries = Files.list(absolute)) {
        empty = entries.findAny().isEmpty();
      }
      if (!empty && !Files.exists(absolute.resolve("PG_VERSION"))) {
        throw new DatabaseException(
            "the data directory "
                + absolute
                + " belongs to uid "
                + owner
                + " and holds no PostgreSQL database:"
                + " set CHARON_DATA_DIR to a new directory",
            null);
      }
      log.info(
          "handing the data directory {} to uid {} (PostgreSQL's processes run as it)",
          absolute,
          uid);
      try (var paths = Files.walk(absolute)) {
        for (var path : paths.toList()) {
          Files.setAttribute(path, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(path, "unix:gid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // Parents created here must let nobody through, whatever root's umask.
  private static void createReadableParents(Path dir) throws IOException {
    if (dir == null || Files.exists(dir)) {
      return;
    }
    createReadableParents(dir.getParent());
    Files.createDirectory(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static void requireSetpriv() {
    var path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (var dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "setpriv"))) {
        return;
      }
    }
    throw new DatabaseException(
        "embedded PostgreSQL cannot run as root and setpriv (util-linux) is not installed to run it as"
            + " nobody: install util-linux, run as another user, or set CHARON_DB_URL to an existing PostgreSQL",
        null);
  }

  private static String md5(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (var path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
