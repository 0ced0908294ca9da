package dev.imagespec.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagespec.engine.ProgressEvent;
import dev.imagespec.reconcile.TransferProgress.Phase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Docker's and Podman's per-layer progress items folded into one transfer's progress. */
class TransferTallyTest {
  private static ProgressEvent item(String status, String id, long current, long total) {
    return new ProgressEvent(status, id, null, current, total, null, null, null);
  }

  @Test
  void dockerPullSumsLayersAndMovesFromDownloadingToExtracting() {
    List<TransferProgress> seen = new ArrayList<>();
    TransferTally t = TransferTally.pull(seen::add);
    t.accept(item("Pulling from x/y", "1", -1, -1));
    t.accept(item("Pulling fs layer", "a", -1, -1));
    t.accept(item("Pulling fs layer", "b", -1, -1));
    assertThat(seen.get(seen.size() - 1)).isEqualTo(new TransferProgress(Phase.WAITING, -1, -1));
    t.accept(item("Downloading", "a", 100, 1000));
    t.accept(item("Downloading", "b", 50, 500));
    assertThat(seen.get(seen.size() - 1))
        .isEqualTo(new TransferProgress(Phase.DOWNLOADING, 150, 1500));
    t.accept(item("Download complete", "a", -1, -1));
    t.accept(item("Extracting", "a", 10, 1000));
    t.accept(item("Downloading", "b", 400, 500));
    assertThat(seen.get(seen.size() - 1))
        .as("a layer still downloads")
        .isEqualTo(new TransferProgress(Phase.DOWNLOADING, 1400, 1500));
    t.accept(item("Download complete", "b", -1, -1));
    assertThat(seen.get(seen.size() - 1))
        .isEqualTo(new TransferProgress(Phase.EXTRACTING, 1500, 1500));
    int before = seen.size();
    t.accept(item("Extracting", "a", 500, 1000));
    assertThat(seen).as("no change, nothing passed on").hasSize(before);
    t.accept(item("Pull complete", "a", -1, -1));
    t.accept(item("Pull complete", "b", -1, -1));
    t.accept(item("Digest: sha256:abc", null, -1, -1));
    assertThat(seen.get(seen.size() - 1).done()).isEqualTo(1500);
  }

  @Test
  void dockerPushCountsUploadedBytes() {
    List<TransferProgress> seen = new ArrayList<>();
    TransferTally t = TransferTally.push(seen::add);
    t.accept(item("Preparing", "a", -1, -1));
    t.accept(item("Layer already exists", "c", -1, -1));
    t.accept(item("Pushing", "a", 300, 900));
    assertThat(seen.get(seen.size() - 1))
        .isEqualTo(new TransferProgress(Phase.UPLOADING, 300, 900));
    t.accept(item("Pushed", "a", -1, -1));
    t.accept(item("1: digest: sha256:abc size: 528", null, -1, -1));
    assertThat(seen.get(seen.size() - 1))
        .isEqualTo(new TransferProgress(Phase.UPLOADING, 900, 900));
  }

  @Test
  void libpodLinesGiveThePhaseWithoutBytes() {
    List<TransferProgress> seen = new ArrayList<>();
    TransferTally t = TransferTally.pull(seen::add);
    t.accept(new ProgressEvent(null, null, null, -1, -1, "Copying blob sha256:abc\n", null, null));
    assertThat(seen).containsExactly(new TransferProgress(Phase.DOWNLOADING, -1, -1));
  }
}
