package io.jcolz.spark;

import io.jcolz.format.images.PackedImages;
import io.jcolz.image.ResizeMode;
import io.jcolz.pack.CodecChoice;
import io.jcolz.pack.PackOptions;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * The pack options as they travel to the tasks ({@link PackOptions} holds {@link Path}s, which are
 * not serializable). Immutable.
 */
record JobSettings(
    String input,
    String out,
    String labels,
    boolean labelsFromDirs,
    int size,
    String resize,
    String mode,
    int quality,
    int threads,
    int chunkRows,
    int level,
    int minSide,
    String vocabularyFrom,
    int partRows,
    String codec)
    implements Serializable {

  static JobSettings of(PackOptions o) {
    return new JobSettings(
        o.input().toString(),
        o.out().toString(),
        o.labels() == null ? null : o.labels().toString(),
        o.labelsFromDirs(),
        o.size(),
        o.resize().id(),
        o.mode().id(),
        o.quality(),
        o.threads(),
        o.chunkRows(),
        o.level(),
        o.minSide(),
        o.vocabularyFrom() == null ? null : o.vocabularyFrom().toString(),
        o.partRows(),
        o.codec().id());
  }

  PackOptions options() {
    PackOptions.Builder b =
        PackOptions.builder(Path.of(input), Path.of(out))
            .labelsFromDirs(labelsFromDirs)
            .size(size)
            .resize(ResizeMode.parse(resize).orElseThrow())
            .mode(PackedImages.Storage.parse(mode).orElseThrow())
            .quality(quality)
            .threads(threads)
            .chunkRows(chunkRows)
            .level(level)
            .minSide(minSide)
            .partRows(partRows)
            .codec(CodecChoice.parse(codec).orElseThrow());
    if (labels != null) {
      b.labels(Path.of(labels));
    }
    if (vocabularyFrom != null) {
      b.vocabularyFrom(Path.of(vocabularyFrom));
    }
    return b.build();
  }
}
