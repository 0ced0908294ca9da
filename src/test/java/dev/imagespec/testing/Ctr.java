package dev.imagespec.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * containerd's own CLI on the test containerd's namespace {@code k8s.io}: changes made out of band
 * (behind imagespec's back) and a view that does not go through imagespec's client.
 */
public final class Ctr {
  private Ctr() {}

  /** {@code ctr --address SOCKET -n k8s.io args...}; its stdout, or an error naming the failure. */
  public static String run(String... args) {
    return runOn(TestEnv.criHost().replaceFirst("^unix://", ""), args);
  }

  /** {@code ctr --address SOCKET -n k8s.io args...} on another containerd's socket. */
  public static String runOn(String socket, String... args) {
    List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket, "-n", "k8s.io"));
    cmd.addAll(Arrays.asList(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " did not end within 60 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run ctr (is it installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The names of every image record in {@code k8s.io} ({@code ctr images ls -q}). */
  public static List<String> imageNames() {
    return run("images", "ls", "-q").lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** Removes image records by name ({@code ctr images rm}); the content stays until GC. */
  public static void rm(String... names) {
    String[] args = new String[names.length + 2];
    args[0] = "images";
    args[1] = "rm";
    System.arraycopy(names, 0, args, 2, names.length);
    run(args);
  }

  /** The labels of the image record {@code name} ({@code ctr images ls}); empty when none. */
  public static java.util.Map<String, String> labels(String name) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    run("images", "ls")
        .lines()
        .map(l -> l.strip().split("\\s+"))
        .filter(f -> f.length > 1 && f[0].equals(name))
        .findFirst()
        .ifPresent(
            f -> {
              for (String kv : f[f.length - 1].split(",")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                  out.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
              }
            });
    return out;
  }

  /** Sets one label on the image record {@code name} ({@code ctr images label}). */
  public static void label(String name, String key, String value) {
    run("images", "label", name, key + "=" + value);
  }
}
