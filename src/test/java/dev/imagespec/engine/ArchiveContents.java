package dev.imagespec.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Test helper: reads tar streams (ustar + PAX paths) and docker-archive image tarballs. */
final class ArchiveContents {
  private ArchiveContents() {}

  /** One tar entry: name, type flag, size, link target. */
  record Entry(String name, char type, long size, String link, byte[] content) {}

  /** The entries of a tar stream; contents kept for files up to {@code keepUpTo} bytes. */
  static List<Entry> entries(InputStream in, long keepUpTo) throws IOException {
    List<Entry> out = new ArrayList<>();
    String paxPath = null;
    String paxLink = null;
    while (true) {
      byte[] h = in.readNBytes(512);
      if (h.length < 512 || isZero(h)) {
        return out;
      }
      String name = field(h, 0, 100);
      String prefix = field(h, 345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
      long size = octal(h, 124, 12);
      char type = (char) (h[156] == 0 ? '0' : h[156]);
      String link = field(h, 157, 100);
      long padded = (size + 511) / 512 * 512;
      byte[] content = null;
      if (type == 'x' || size <= keepUpTo) {
        content = in.readNBytes((int) size);
        in.skipNBytes(padded - size);
      } else {
        in.skipNBytes(padded);
      }
      if (type == 'x') {
        Map<String, String> records = pax(content);
        paxPath = records.get("path");
        paxLink = records.get("linkpath");
        continue;
      }
      if (paxPath != null) {
        name = paxPath;
      }
      if (paxLink != null) {
        link = paxLink;
      }
      paxPath = null;
      paxLink = null;
      out.add(new Entry(name, type, size, link, content));
    }
  }

  /** Every file path in every layer of a docker-archive tarball. */
  static Set<String> layerFiles(byte[] archive) throws IOException {
    Map<String, Entry> byName = new LinkedHashMap<>();
    for (Entry e : entries(new ByteArrayInputStream(archive), Long.MAX_VALUE)) {
      byName.put(e.name(), e);
    }
    JsonNode manifest = new ObjectMapper().readTree(byName.get("manifest.json").content());
    Set<String> files = new LinkedHashSet<>();
    for (JsonNode image : manifest) {
      for (JsonNode layer : image.path("Layers")) {
        Entry e = byName.get(layer.asText());
        while (e != null && e.type() == '2') {
          String target = resolve(layer.asText(), e.link());
          e = byName.get(target);
        }
        if (e == null) {
          continue;
        }
        for (Entry f : entries(new ByteArrayInputStream(e.content()), 0)) {
          files.add(f.name().replaceFirst("^\\./", "").replaceFirst("/$", ""));
        }
      }
    }
    return files;
  }

  /** The {@code RepoTags} of each image of a docker-archive tarball. */
  static List<List<String>> repoTags(byte[] archive) throws IOException {
    for (Entry e : entries(new ByteArrayInputStream(archive), Long.MAX_VALUE)) {
      if (e.name().equals("manifest.json")) {
        List<List<String>> out = new ArrayList<>();
        for (JsonNode image : new ObjectMapper().readTree(e.content())) {
          List<String> tags = new ArrayList<>();
          image.path("RepoTags").forEach(t -> tags.add(t.asText()));
          out.add(tags);
        }
        return out;
      }
    }
    throw new IOException("no manifest.json in the archive");
  }

  private static String resolve(String from, String link) {
    if (link.startsWith("/")) {
      return link.substring(1);
    }
    String dir = from.contains("/") ? from.substring(0, from.lastIndexOf('/')) : "";
    String path = dir.isEmpty() ? link : dir + "/" + link;
    return DockerIgnore.clean(path);
  }

  private static Map<String, String> pax(byte[] content) {
    Map<String, String> out = new LinkedHashMap<>();
    String text = new String(content, StandardCharsets.UTF_8);
    int i = 0;
    while (i < text.length()) {
      int space = text.indexOf(' ', i);
      int len = Integer.parseInt(text.substring(i, space));
      String record = new String(content, i, len, StandardCharsets.UTF_8);
      String kv = record.substring(record.indexOf(' ') + 1, record.length() - 1);
      int eq = kv.indexOf('=');
      out.put(kv.substring(0, eq), kv.substring(eq + 1));
      i += len;
    }
    return out;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String field(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) {
      end++;
    }
    return new String(h, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] h, int off, int len) {
    String s = field(h, off, len).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }
}
