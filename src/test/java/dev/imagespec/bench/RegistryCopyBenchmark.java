package dev.imagespec.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.imagespec.engine.AuthConfig;
import dev.imagespec.engine.CopyOptions;
import dev.imagespec.engine.CopyResult;
import dev.imagespec.engine.ImageReference;
import dev.imagespec.engine.RegistryClient;
import dev.imagespec.engine.RegistryCopy;
import dev.imagespec.testing.RegistryImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Registry-to-registry copy of a 300 MiB image from the plain test registry to the htpasswd one:
 * {@link RegistryCopy} in this JVM and the CLI jar ({@code java -jar target/imagespec.jar images
 * copy}) against {@code skopeo copy}. Run by {@code scripts/bench copy}; figures go into the
 * README's "Performance" section.
 *
 * <p>The image has four layers (120, 90, 60 and 30 MiB) of random bytes in gzip streams of stored
 * (uncompressed) blocks: incompressible, and gzip to skopeo, which would otherwise compress them on
 * the way (and change their digests). Each tool is warmed up once, then runs {@code bench.runs} (3)
 * times, the order rotating, each into a fresh target repository that is deleted afterwards;
 * skopeo's blob-info cache is removed before each of its runs, so it cannot mount from an earlier
 * run's repository. Every copy must keep the digest. Then a JVM with {@code -Xmx64m} does the same
 * copy ({@link RegistryCopyMemoryCheck}).
 *
 * <p>Environment: {@code IMAGESPEC_TEST_REGISTRY}, {@code IMAGESPEC_TEST_AUTH_REGISTRY}, {@code
 * IMAGESPEC_TEST_AUTH_USER}, {@code IMAGESPEC_TEST_AUTH_PASSWORD}; argument: the CLI jar (default
 * {@code target/imagespec.jar}). System properties {@code bench.runs} (3), {@code bench.mib} (300).
 */
public final class RegistryCopyBenchmark {
  private static final int RUNS = Integer.getInteger("bench.runs", 3);
  private static final long MIB = 1L << 20;
  private static final long TOTAL_MIB = Long.getLong("bench.mib", 300);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SKOPEO_CACHE =
      Path.of("/var/lib/containers/cache/blob-info-cache-v1.boltdb");

  private RegistryCopyBenchmark() {}

  public static void main(String[] args) throws Exception {
    String plain = env("IMAGESPEC_TEST_REGISTRY");
    String auth = env("IMAGESPEC_TEST_AUTH_REGISTRY");
    String user = env("IMAGESPEC_TEST_AUTH_USER");
    String password = env("IMAGESPEC_TEST_AUTH_PASSWORD");
    AuthConfig creds = AuthConfig.basic(user, password);
    Path jar = Path.of(args.length > 0 ? args[0] : "target/imagespec.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " not found: build it with mvn package");
    }
    String unique = UUID.randomUUID().toString().substring(0, 8);
    Path dir = Files.createTempDirectory("imagespec-copy-bench");
    RegistryClient client = RegistryClient.builder().build();
    try (RegistryImages source = new RegistryImages(client)) {
      ImageReference src = ImageReference.parse(plain + "/bench/copy-src-" + unique + ":big");
      RegistryImages.Pushed image = push(client, src, dir);
      source.copiedTo(image, src, null);
      System.out.printf(
          "copy benchmark: %s, %d blobs, %.1f MiB, %s%n",
          src.canonical(), image.blobs().size(), image.bytes() / (double) MIB, image.digest());

      Map<String, Copier> tools = new LinkedHashMap<>();
      tools.put(
          "imagespec",
          dst -> {
            CopyResult r =
                new RegistryCopy(RegistryClient.builder().build())
                    .copy(src, dst, CopyOptions.defaults().withTargetAuth(creds));
            if (r.bytesUploaded() != image.bytes()) {
              throw new IllegalStateException("uploaded " + r.bytesUploaded() + " bytes");
            }
          });
      tools.put(
          "imagespec CLI",
          dst ->
              run(
                  List.of(
                      javaBin(),
                      "-jar",
                      jar.toString(),
                      "images",
                      "copy",
                      src.canonical(),
                      dst.canonical(),
                      "--dest-creds",
                      user + ":" + password)));
      String launcher = System.getProperty("bench.launcher");
      if (launcher != null && !launcher.isBlank()) {
        // what `scripts/install` puts on the PATH: the AppCDS archive and C1-only JIT
        tools.put(
            "imagespec installed",
            dst ->
                run(
                    List.of(
                        launcher,
                        "images",
                        "copy",
                        src.canonical(),
                        dst.canonical(),
                        "--dest-creds",
                        user + ":" + password)));
      }
      tools.put(
          "skopeo",
          dst -> {
            Files.deleteIfExists(SKOPEO_CACHE);
            run(
                List.of(
                    "skopeo",
                    "--insecure-policy",
                    "copy",
                    "-q",
                    "--src-tls-verify=false",
                    "--dest-tls-verify=false",
                    "--dest-creds",
                    user + ":" + password,
                    "docker://" + src.canonical(),
                    "docker://" + dst.canonical()));
          });
      List<String> names = new ArrayList<>(tools.keySet());
      Map<String, List<Double>> times = new LinkedHashMap<>();
      names.forEach(n -> times.put(n, new ArrayList<>()));
      int n = 0;
      for (int run = -1; run < RUNS; run++) {
        for (int i = 0; i < names.size(); i++) {
          String name = names.get(Math.floorMod(run + i, names.size()));
          ImageReference dst =
              ImageReference.parse(auth + "/bench/copy-dst-" + unique + "-" + (n++) + ":big");
          try (RegistryImages target = new RegistryImages(client)) {
            target.copiedTo(image, dst, creds);
            long t0 = System.nanoTime();
            tools.get(name).copy(dst);
            double ms = (System.nanoTime() - t0) / 1e6;
            String digest = client.digest(dst, creds).orElse("none");
            if (!digest.equals(image.digest())) {
              throw new IllegalStateException(name + " copied to " + digest);
            }
            if (run >= 0) {
              times.get(name).add(ms);
            }
            System.out.printf(
                "copy benchmark: %s%s %.0f ms%n", name, run < 0 ? " (warm-up)" : "", ms);
          }
        }
      }
      double skopeo = median(times.get("skopeo"));
      for (String name : names) {
        List<Double> t = times.get(name);
        System.out.printf(
            "copy %d MiB %s: median %.0f ms (min %.0f, max %.0f)%s%n",
            TOTAL_MIB,
            name,
            median(t),
            Collections.min(t),
            Collections.max(t),
            name.equals("skopeo") ? "" : String.format(" = %.2fx skopeo", median(t) / skopeo));
      }
      String cli =
          times.containsKey("imagespec installed") ? "imagespec installed" : "imagespec CLI";
      double ratio = median(times.get(cli)) / skopeo;
      System.out.printf(
          "copy benchmark: %s %.2fx skopeo (target <= 1.1x): %s%n",
          cli, ratio, ratio <= 1.1 ? "met" : "MISSED");

      ImageReference dst = ImageReference.parse(auth + "/bench/copy-dst-" + unique + "-memory:big");
      try (RegistryImages target = new RegistryImages(client)) {
        target.copiedTo(image, dst, creds);
        run(
            List.of(
                javaBin(),
                "-Xmx64m",
                "-Dimagespec.log.level=warn",
                "-cp",
                System.getProperty("java.class.path"),
                RegistryCopyMemoryCheck.class.getName(),
                src.canonical(),
                dst.canonical(),
                image.digest()),
            true);
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  @FunctionalInterface
  private interface Copier {
    void copy(ImageReference target) throws Exception;
  }

  /** Writes the layers into {@code dir} and pushes them, a config and a manifest to {@code ref}. */
  private static RegistryImages.Pushed push(RegistryClient client, ImageReference ref, Path dir)
      throws IOException {
    long[] parts = {120, 90, 60, 30};
    long sum = 300;
    ArrayNode layers = JSON.createArrayNode();
    ArrayNode diffIds = JSON.createArrayNode();
    List<String> blobs = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < parts.length; i++) {
      long size = parts[i] * TOTAL_MIB / sum * MIB;
      Path file = dir.resolve("layer" + i + ".tar.gz");
      String diffId = writeLayer(file, 4200 + i, size);
      String digest = RegistryImages.digestOf(() -> Files.newInputStream(file));
      long length = Files.size(file);
      client.uploadBlob(ref, digest, length, () -> Files.newInputStream(file), null);
      ObjectNode d = layers.addObject();
      d.put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip");
      d.put("digest", digest);
      d.put("size", length);
      diffIds.add(diffId);
      blobs.add(digest);
      bytes += length;
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.set("diff_ids", diffIds);
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = client.uploadBlob(ref, configBytes, null);
    blobs.add(0, configDigest);
    bytes += configBytes.length;
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", RegistryClient.OCI_MANIFEST);
    ObjectNode c = m.putObject("config");
    c.put("mediaType", RegistryImages.OCI_CONFIG);
    c.put("digest", configDigest);
    c.put("size", configBytes.length);
    m.set("layers", layers);
    String digest =
        client.putManifest(ref, RegistryClient.OCI_MANIFEST, JSON.writeValueAsBytes(m), null);
    return new RegistryImages.Pushed(
        ref, digest, RegistryClient.OCI_MANIFEST, List.of(digest), blobs, bytes);
  }

  /** A gzip stream of stored blocks of {@code size} random bytes; returns their sha256. */
  private static String writeLayer(Path file, long seed, long size) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    SplittableRandom random = new SplittableRandom(seed);
    try (OutputStream out =
        new DigestOutputStream(
            new GZIPOutputStream(Files.newOutputStream(file), 1 << 16) {
              {
                def.setLevel(Deflater.NO_COMPRESSION);
              }
            },
            sha)) {
      byte[] buf = new byte[1 << 16];
      for (long left = size; left > 0; ) {
        int n = (int) Math.min(buf.length, left);
        for (int i = 0; i < n; i += 8) {
          long v = random.nextLong();
          for (int k = 0; k < 8 && i + k < n; k++) {
            buf[i + k] = (byte) (v >>> (k * 8));
          }
        }
        out.write(buf, 0, n);
        left -= n;
      }
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    run(command, false);
  }

  private static void run(List<String> command, boolean showOutput)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Process p = pb.start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes());
    }
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(command.get(0) + " failed: " + out);
    }
    if (showOutput) {
      System.out.print(out);
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    int m = s.size() / 2;
    return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(name + " is not set: run scripts/bench copy");
    }
    return v.trim();
  }
}
