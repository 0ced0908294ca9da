package dev.imagespec.engine;

import java.io.FilterInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import okhttp3.Response;

/** A blob's bytes from a registry answer, hashed as they are read and checked at their end. */
final class VerifiedBlobStream extends FilterInputStream {
  private final Response response;
  private final RegistryTarget target;
  private final String digest;
  private final MessageDigest hash;
  private boolean checked;

  VerifiedBlobStream(Response response, RegistryTarget target, String digest) {
    super(response.body().byteStream());
    this.response = response;
    this.target = target;
    this.digest = digest;
    MessageDigest h = null;
    try {
      if (digest.startsWith("sha256:")) {
        h = MessageDigest.getInstance("SHA-256");
      } else if (digest.startsWith("sha512:")) {
        h = MessageDigest.getInstance("SHA-512");
      }
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    this.hash = h;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0 && hash != null) {
      hash.update(b, off, n);
    } else if (n < 0) {
      check();
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
    long left = n;
    while (left > 0) {
      int r = read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void check() throws IOException {
    if (checked || hash == null) {
      return;
    }
    checked = true;
    String algorithm = digest.substring(0, digest.indexOf(':'));
    String got = algorithm + ":" + HexFormat.of().formatHex(hash.digest());
    if (!got.equals(digest)) {
      throw new IOException(
          "registry "
              + target.domain()
              + " served blob "
              + digest
              + " of "
              + target.path()
              + " with bytes hashing to "
              + got
              + ": its storage is damaged; check the registry");
    }
  }

  @Override
  public void close() {
    response.close();
  }
}
