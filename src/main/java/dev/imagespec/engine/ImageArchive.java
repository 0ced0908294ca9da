package dev.imagespec.engine;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import okhttp3.Call;
import okhttp3.Response;

/**
 * A {@code docker-archive} tarball of images, read straight from the engine's answer as it arrives:
 * through {@link #stream()}, in chunks ({@link #chunks()}, docker-py's and podman-py's generator of
 * bytes), or copied to a file or stream ({@link #writeTo}). Nothing is held beyond one chunk. Read
 * it once; close it (try-with-resources) to release the connection — closing before the end stops
 * the engine's export.
 */
public final class ImageArchive implements AutoCloseable {
  private final Response response;
  private final Call call;
  private final InputStream body;
  private final int chunkSize;
  private final List<String> names;
  private boolean taken;
  private volatile boolean closed;

  ImageArchive(Response response, Call call, int chunkSize, List<String> names) {
    this.response = response;
    this.call = call;
    this.body = response.body().byteStream();
    this.chunkSize = chunkSize;
    this.names = List.copyOf(names);
  }

  /** The names the engine was asked to save (IDs for unnamed images). */
  public List<String> names() {
    return names;
  }

  /**
   * The tarball as a stream; closing it closes this archive. A broken connection shows as an {@link
   * IOException} from {@code read}.
   */
  public InputStream stream() {
    take();
    return new FilterInputStream(body) {
      @Override
      public void close() {
        ImageArchive.this.close();
      }
    };
  }

  /**
   * The tarball in chunks of the options' chunk size (the last may be shorter; with chunk size 0,
   * as each read returns them). The archive closes itself after the last chunk.
   *
   * @throws EngineUnavailableException from {@code hasNext} when the connection breaks off
   */
  public Iterator<byte[]> chunks() {
    take();
    return new Iterator<>() {
      private byte[] next;
      private boolean done;

      @Override
      public boolean hasNext() {
        if (next == null && !done) {
          next = readChunk();
          if (next == null) {
            done = true;
            close();
          }
        }
        return next != null;
      }

      @Override
      public byte[] next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        byte[] c = next;
        next = null;
        return c;
      }
    };
  }

  /** One chunk, or null at the end. */
  byte[] readChunk() {
    try {
      if (chunkSize == 0) {
        byte[] buf = new byte[64 * 1024];
        int n = body.read(buf);
        if (n < 0) {
          return null;
        }
        return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
      }
      byte[] chunk = body.readNBytes(chunkSize);
      return chunk.length == 0 ? null : chunk;
    } catch (IOException e) {
      close();
      throw new EngineUnavailableException(
          "save " + names + ": archive stream broke off: " + Transport.describe(e), e);
    }
  }

  /**
   * Copies the whole tarball to {@code out} (not closed) and closes this archive; returns the bytes
   * copied.
   *
   * @throws IOException when writing to {@code out} fails
   * @throws EngineUnavailableException when the connection breaks off
   */
  public long writeTo(OutputStream out) throws IOException {
    take();
    try (this) {
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      while (true) {
        int n;
        try {
          n = body.read(buf);
        } catch (IOException e) {
          throw new EngineUnavailableException(
              "save " + names + ": archive stream broke off: " + Transport.describe(e), e);
        }
        if (n < 0) {
          return total;
        }
        out.write(buf, 0, n);
        total += n;
      }
    }
  }

  /**
   * Writes the tarball to {@code file}: to a temporary file beside it, moved into place once
   * complete, so a failed save leaves no partial file. Returns the bytes written.
   */
  public long writeTo(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".part");
    try {
      long n;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        n = writeTo(out);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return n;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private synchronized void take() {
    if (taken) {
      throw new IllegalStateException("an image archive can be read once");
    }
    taken = true;
  }

  /**
   * Cuts the connection at once, from any thread (a thread blocked reading sees an error or the
   * end). Use {@link #close()} from the reading thread.
   */
  public void abort() {
    closed = true;
    call.cancel();
  }

  /** True once closed or aborted. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    response.close();
  }
}
