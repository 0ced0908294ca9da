package dev.imagespec.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Not a command: what {@code scripts/install} runs once, under {@code -XX:DumpLoadedClassList}, so
 * that the class-data-sharing archive holds the classes of a successful run and not only those of a
 * failed connection. It answers a few Docker Engine API calls with canned, made-up data on a socket
 * of its own (no engine is needed, none is touched) and runs typical commands against it, their
 * output discarded.
 *
 * <pre>java -cp imagespec.jar dev.imagespec.cli.StartupTraining DIR [EXAMPLES_DIR]</pre>
 *
 * <p>With {@code --native-library FILE} it instead copies junixsocket's native library for this
 * machine out of the jar, so that the launcher can name it ({@code
 * -Dorg.newsclub.net.unix.library.override}) instead of junixsocket extracting it to a temporary
 * file at every start.
 */
public final class StartupTraining {
  private static final String VERSION =
      "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\","
          + "\"Os\":\"linux\",\"Arch\":\"amd64\",\"Components\":[{\"Name\":\"Engine\","
          + "\"Version\":\"20.10.24\",\"Details\":{\"ApiVersion\":\"1.41\"}}]}";
  private static final String IMAGE =
      "{\"Containers\":-1,\"Created\":1796048361,\"Id\":\"sha256:"
          + "7cbc53061050bced0412659b21ea692883cf6d539c3a0a2dd40991932f346f11\","
          + "\"Labels\":{\"org.opencontainers.image.title\":\"train\"},\"ParentId\":\"\","
          + "\"RepoDigests\":[\"registry.example/train@sha256:"
          + "93062e0e6dbcf6ac7e805c93f2feac2870d7cae9fb53211b756f8622d56aa6c3\"],"
          + "\"RepoTags\":[\"registry.example/train:1\",\"registry.example/train:latest\"],"
          + "\"SharedSize\":-1,\"Size\":109321044,\"VirtualSize\":109321044}";

  private StartupTraining() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: StartupTraining DIR [EXAMPLES_DIR] | --native-library FILE");
      System.exit(2);
    }
    if (args[0].equals("--native-library") && args.length == 2) {
      System.exit(copyNativeLibrary(Path.of(args[1])) ? 0 : 1);
    }
    System.exit(train(Path.of(args[0]), args.length > 1 ? Path.of(args[1]) : null) == 0 ? 0 : 1);
  }

  /**
   * Runs the training commands against a made-up engine on a socket in {@code dir}; {@code plan}
   * too when {@code examples} is given. Returns how many of them failed (each is named on stderr).
   */
  static int train(Path dir, Path examples) throws IOException {
    Path socket = dir.resolve("training-engine.sock");
    Files.deleteIfExists(socket);
    AFUNIXServerSocket server = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(socket));
    Thread engine = new Thread(() -> serve(server), "training-engine");
    engine.setDaemon(true);
    engine.start();
    String host = "unix://" + socket;
    List<String[]> runs = new ArrayList<>();
    runs.add(new String[] {"images", "ls", "-q", "--host", host});
    runs.add(new String[] {"images", "ls", "--host", host});
    runs.add(new String[] {"images", "ls", "-o", "json", "--host", host});
    runs.add(new String[] {"images", "inspect", "registry.example/train:1", "--host", host});
    runs.add(new String[] {"images", "exists", "registry.example/train:1", "--host", host});
    runs.add(new String[] {"--version"});
    runs.add(new String[] {"--help"});
    runs.add(new String[] {"images", "--help"});
    if (examples != null) {
      runs.add(new String[] {"plan", "-f", examples.toString(), "--host", host});
    }
    PrintWriter discard = new PrintWriter(Writer.nullWriter());
    int failed = 0;
    for (String[] run : runs) {
      if (Main.run(discard, discard, run) != ExitCodes.OK) {
        System.err.println("training run failed: imagespec " + String.join(" ", run));
        failed++;
      }
    }
    server.close();
    Files.deleteIfExists(socket);
    return failed;
  }

  /**
   * Copies {@code lib/<arch>-Linux-clang/jni/libjunixsocket-native-<version>.so}, from whichever
   * jar on the class path holds it, to {@code to}; false when there is none for this machine.
   */
  static boolean copyNativeLibrary(Path to) throws IOException {
    String dir = "lib/" + System.getProperty("os.arch") + "-Linux-clang/jni/";
    java.net.URL url = StartupTraining.class.getClassLoader().getResource(dir);
    if (url == null || !(url.openConnection() instanceof java.net.JarURLConnection jar)) {
      return false;
    }
    jar.setUseCaches(false);
    try (java.util.jar.JarFile file = jar.getJarFile()) {
      java.util.Optional<java.util.jar.JarEntry> lib =
          file.stream()
              .filter(
                  e ->
                      e.getName()
                          .matches(
                              java.util.regex.Pattern.quote(dir)
                                  + "libjunixsocket-native-[0-9.]+\\.so"))
              .findFirst();
      if (lib.isEmpty()) {
        return false;
      }
      Path tmp = to.resolveSibling(to.getFileName() + ".new");
      try (java.io.InputStream in = file.getInputStream(lib.get())) {
        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(tmp, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return true;
    }
  }

  private static void serve(AFUNIXServerSocket server) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        answer(s);
      } catch (IOException | RuntimeException e) {
        if (server.isClosed()) {
          return;
        }
      }
    }
  }

  /** One request per connection: {@code Connection: close}. */
  private static void answer(Socket s) throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    String line = in.readLine();
    if (line == null) {
      return;
    }
    for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
      // headers are not needed
    }
    String[] request = line.split(" ");
    if (request.length < 2) {
      return;
    }
    String path = request[1].replaceFirst("^/v[0-9.]+", "").replaceFirst("\\?.*", "");
    int status = 200;
    String body;
    String type = "application/json";
    if (path.equals("/_ping")) {
      body = "OK";
      type = "text/plain; charset=utf-8";
    } else if (path.equals("/version")) {
      body = VERSION;
    } else if (path.equals("/images/json")) {
      body = "[" + IMAGE + "]";
    } else if (path.startsWith("/images/") && path.endsWith("/json")) {
      body = IMAGE;
    } else if (path.equals("/containers/json")) {
      body = "[]";
    } else {
      status = 404;
      body = "{\"message\":\"not in the training engine\"}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    OutputStream out = s.getOutputStream();
    out.write(
        ("HTTP/1.1 "
                + status
                + (status == 200 ? " OK" : " Not Found")
                + "\r\nApi-Version: 1.41\r\nOstype: linux\r\nContent-Type: "
                + type
                + "\r\nContent-Length: "
                + bytes.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    out.write(bytes);
    out.flush();
  }
}
