package dev.imagespec.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.imagespec.engine.EngineClient;
import dev.imagespec.engine.ImageArchive;
import dev.imagespec.engine.SaveOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Where the save row's time goes: the same save through imagespec, docker-java, and a bare
 * junixsocket socket with no HTTP client at all (request written by hand, the chunked answer read
 * through a 64 KiB buffer and not decoded), interleaved; wall time and the calling thread's CPU.
 *
 * <pre>java -cp ... dev.imagespec.bench.SaveProfile unix:///DIR/docker.sock bench/big:large [runs]
 * </pre>
 */
public final class SaveProfile {
  private SaveProfile() {}

  interface Op {
    long run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String host = args[0];
    String name = args[1];
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    String only = args.length > 3 ? args[3] : null;
    DockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (EngineClient engine = EngineClient.builder().host(host).build();
        DockerClient dj =
            DockerClientImpl.getInstance(
                config,
                new ZerodepDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build())) {
      Map<String, Op> ops = new LinkedHashMap<>();
      ops.put(
          "imagespec",
          () -> {
            try (ImageArchive a = engine.images().save(List.of(name), SaveOptions.defaults())) {
              return a.writeTo(OutputStream.nullOutputStream());
            }
          });
      ops.put(
          "docker-java",
          () -> {
            try (InputStream in = dj.saveImageCmd(name).exec()) {
              return copy(in);
            }
          });
      ops.put(
          "raw socket",
          () -> {
            try (AFUNIXSocket s =
                AFUNIXSocket.connectTo(
                    AFUNIXSocketAddress.of(
                        java.nio.file.Path.of(host.substring("unix://".length()))))) {
              s.getOutputStream()
                  .write(
                      ("GET /v1.41/images/get?names="
                              + name.replace(":", "%3A")
                              + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                          .getBytes(StandardCharsets.US_ASCII));
              return copy(s.getInputStream());
            }
          });
      if (only != null) {
        ops.keySet().retainAll(List.of(only.split(",")));
      }
      Map<String, List<long[]>> samples = new LinkedHashMap<>();
      for (Map.Entry<String, Op> e : ops.entrySet()) {
        e.getValue().run();
        samples.put(e.getKey(), new ArrayList<>());
      }
      List<String> order = new ArrayList<>(ops.keySet());
      for (int i = 0; i < runs; i++) {
        for (int k = 0; k < order.size(); k++) {
          String c = order.get((i + k) % order.size());
          long c0 = threads.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          long bytes = ops.get(c).run();
          samples
              .get(c)
              .add(
                  new long[] {
                    System.nanoTime() - t0, threads.getCurrentThreadCpuTime() - c0, bytes
                  });
        }
      }
      for (Map.Entry<String, List<long[]>> e : samples.entrySet()) {
        List<Long> wall = new ArrayList<>();
        List<Long> cpu = new ArrayList<>();
        e.getValue()
            .forEach(
                s -> {
                  wall.add(s[0]);
                  cpu.add(s[1]);
                });
        Collections.sort(wall);
        Collections.sort(cpu);
        System.out.printf(
            "%-12s wall median %.0f ms (min %.0f, max %.0f), thread CPU median %.0f ms, %d bytes%n",
            e.getKey(),
            wall.get(wall.size() / 2) / 1e6,
            wall.get(0) / 1e6,
            wall.get(wall.size() - 1) / 1e6,
            cpu.get(cpu.size() / 2) / 1e6,
            e.getValue().get(0)[2]);
      }
    }
  }

  private static long copy(InputStream in) throws java.io.IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      total += n;
    }
    return total;
  }
}
