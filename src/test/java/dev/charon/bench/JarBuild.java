package dev.charon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** The jar measured, built from the named commit in a throw-away worktree (cached by commit). */
record JarBuild(String commit, String subject, Path jar, String sha256) {

  static JarBuild build(Path root, String rev) throws IOException, InterruptedException {
    var commit = git(root, "rev-parse", "--short=7", rev + "^{commit}");
    var jar = root.resolve("bench/out/charon-" + commit + ".jar");
    if (!Files.exists(jar)) {
      var tree = root.resolve("bench/out/build-" + commit);
      Bench.log("building the jar of %s in %s", commit, tree);
      if (Files.exists(tree)) {
        git(root, "worktree", "remove", "--force", tree.toString());
      }
      git(root, "worktree", "add", "--detach", tree.toString(), commit);
      try {
        run(tree, List.of("./mvnw", "-B", "-q", "-DskipTests", "package"));
        Files.createDirectories(jar.getParent());
        Files.copy(tree.resolve("target/charon.jar"), jar, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        git(root, "worktree", "remove", "--force", tree.toString());
      }
    }
    return new JarBuild(commit, git(root, "log", "-1", "--format=%s", commit), jar, sha256(jar));
  }

  /** A jar built elsewhere; the caller vouches that it is the commit's build. */
  static JarBuild given(Path root, String rev, Path jar) throws IOException, InterruptedException {
    var commit = git(root, "rev-parse", "--short=7", rev + "^{commit}");
    return new JarBuild(
        commit, git(root, "log", "-1", "--format=%s", commit), jar.toAbsolutePath(), sha256(jar));
  }

  static String sha256(Path file) throws IOException {
    try {
      var digest = MessageDigest.getInstance("SHA-256");
      try (var in = Files.newInputStream(file)) {
        var buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
          digest.update(buffer, 0, n);
        }
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String git(Path root, String... args) throws IOException, InterruptedException {
    var command = new java.util.ArrayList<String>(List.of("git", "-C", root.toString()));
    command.addAll(List.of(args));
    return run(root, command);
  }

  private static String run(Path dir, List<String> command)
      throws IOException, InterruptedException {
    var builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    var p = builder.start();
    var out = new String(p.getInputStream().readAllBytes()).strip();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
