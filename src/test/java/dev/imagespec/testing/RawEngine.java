package dev.imagespec.testing;

import java.io.IOException;
import java.nio.file.Path;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.newsclub.net.unix.AFSocketFactory;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** Test-only engine calls the product has no API for (creating and removing containers). */
public final class RawEngine {
  private RawEngine() {}

  /** Removes the container {@code name} (forced); false when there was none. */
  public static boolean removeContainer(String host, String name) {
    try (Response resp =
        client(host)
            .newCall(
                new Request.Builder()
                    .url("http://localhost/v1.41/containers/" + name + "?force=true")
                    .delete()
                    .build())
            .execute()) {
      if (resp.code() == 404) {
        return false;
      }
      if (!resp.isSuccessful()) {
        throw new IllegalStateException(
            "remove container: " + resp.code() + " " + resp.body().string());
      }
      return true;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static OkHttpClient client(String host) throws IOException {
    return new OkHttpClient.Builder()
        .socketFactory(
            new AFSocketFactory.FixedAddressSocketFactory(
                AFUNIXSocketAddress.of(Path.of(host.replace("unix://", "")))))
        .build();
  }

  /** Creates (does not start) a container from {@code image}; returns its ID. */
  public static String createContainer(String host, String image, String name) {
    try {
      OkHttpClient c =
          new OkHttpClient.Builder()
              .socketFactory(
                  new AFSocketFactory.FixedAddressSocketFactory(
                      AFUNIXSocketAddress.of(Path.of(host.replace("unix://", "")))))
              .build();
      String body =
          "{\"Image\":\""
              + image
              + "\",\"Cmd\":[\"/bin/true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}";
      Request r =
          new Request.Builder()
              .url("http://localhost/v1.41/containers/create?name=" + name)
              .post(RequestBody.create(body, MediaType.get("application/json")))
              .build();
      try (Response resp = c.newCall(r).execute()) {
        String text = resp.body().string();
        if (!resp.isSuccessful()) {
          throw new IllegalStateException("create container: " + resp.code() + " " + text);
        }
        return text.replaceAll(".*\"Id\":\"([0-9a-f]+)\".*", "$1").strip();
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
