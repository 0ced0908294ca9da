package dev.imagespec.bench;

import dev.imagespec.engine.cri.v1.ImageServiceGrpc;
import dev.imagespec.engine.cri.v1.ListImagesRequest;
import dev.imagespec.engine.cri.v1.RuntimeServiceGrpc;
import dev.imagespec.engine.cri.v1.VersionRequest;
import dev.imagespec.engine.cri.v1.VersionResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFSocketFactory;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Which gRPC transport the CRI backend uses, by measurement (issue #10): grpc-okhttp over a
 * junixsocket socket factory vs grpc-netty-shaded over epoll domain sockets.
 *
 * <pre>
 * java -cp TEST_CP dev.imagespec.bench.CriTransportCheck unix:///DIR/cri/containerd.sock \
 *     /path/to/grpc-netty-shaded-VERSION.jar
 * </pre>
 *
 * <p>runs one child JVM per transport, with the node agent's JVM flags ({@code
 * deploy/base/agent.yaml}'s {@code JAVA_TOOL_OPTIONS}, {@code -XX:MaxRAM} at its 160 MiB limit).
 * Each child reads its VmRSS and loaded-class count before touching gRPC, opens a channel to the
 * CRI runtime, calls {@code RuntimeService/Version} and {@code ImageService/ListImages} 100 times
 * each, and reads them again (plus VmHWM, live threads and the wall time of the calls). The
 * netty-shaded jar is not a dependency of the project (the OkHttp transport was chosen): it is
 * added to the child's class path only, from the path given (e.g. after {@code mvn dependency:get
 * -Dartifact=io.grpc:grpc-netty-shaded:GRPC_VERSION}); its channel comes from {@code
 * Grpc.newChannelBuilder("unix://...")}, grpc's own unix-socket provider.
 */
public final class CriTransportCheck {
  private static final int CALLS = 100;
  private static final List<String> AGENT_FLAGS =
      List.of(
          "-XX:MaxRAM=160m",
          "-XX:MaxRAMPercentage=70",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Xss512k");

  private CriTransportCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("--child")) {
      child(args[1], args[2]);
      return;
    }
    if (args.length != 2) {
      System.err.println("usage: CriTransportCheck unix:///path/to/cri.sock grpc-netty-shaded.jar");
      System.exit(2);
    }
    String cp = System.getProperty("java.class.path");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    System.out.println(
        "transport | RSS before | RSS after | VmHWM | classes before | classes after | threads |"
            + " 100x(Version+ListImages)");
    for (String transport : List.of("okhttp", "netty")) {
      String childCp = transport.equals("netty") ? cp + ":" + args[1] : cp;
      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      cmd.addAll(AGENT_FLAGS);
      cmd.addAll(List.of("-cp", childCp, CriTransportCheck.class.getName()));
      cmd.addAll(List.of("--child", transport, args[0]));
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() != 0) {
        throw new IllegalStateException(transport + " child failed: " + out);
      }
      System.out.println(out);
    }
  }

  private static void child(String transport, String host) throws Exception {
    long rss0 = status("VmRSS");
    int classes0 = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
    String path = host.substring("unix://".length());
    ManagedChannel channel =
        switch (transport) {
          case "okhttp" ->
              OkHttpChannelBuilder.forAddress("localhost", 80)
                  .socketFactory(
                      new AFSocketFactory.FixedAddressSocketFactory(
                          AFUNIXSocketAddress.of(Path.of(path))))
                  .usePlaintext()
                  .maxInboundMessageSize(16 << 20)
                  .build();
          case "netty" ->
              Grpc.newChannelBuilder("unix://" + path, InsecureChannelCredentials.create())
                  .maxInboundMessageSize(16 << 20)
                  .build();
          default -> throw new IllegalArgumentException(transport);
        };
    var runtime = RuntimeServiceGrpc.newBlockingStub(channel);
    var images = ImageServiceGrpc.newBlockingStub(channel);
    long start = System.nanoTime();
    VersionResponse v = null;
    int imageCount = 0;
    for (int i = 0; i < CALLS; i++) {
      v =
          runtime
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .version(VersionRequest.newBuilder().build());
      imageCount =
          images
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .listImages(ListImagesRequest.newBuilder().build())
              .getImagesCount();
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    long rss1 = status("VmRSS");
    long hwm = status("VmHWM");
    int classes1 = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
    int threads = Thread.activeCount();
    System.out.printf(
        "%s (%s) | %.1f MiB | %.1f MiB | %.1f MiB | %d | %d | %d | %d ms (%s %s, %d images)%n",
        transport,
        channel.getClass().getSimpleName(),
        rss0 / 1024.0,
        rss1 / 1024.0,
        hwm / 1024.0,
        classes0,
        classes1,
        threads,
        millis,
        v.getRuntimeName(),
        v.getRuntimeVersion(),
        imageCount);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** A {@code /proc/self/status} field in KiB. */
  private static long status(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no " + field + " in /proc/self/status");
  }
}
