package io.jcolz.spark;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Hadoop file systems over the local disk under schemes of their own, so that the job cannot take
 * its java.nio shortcut and goes through the FileSystem API as for {@code hdfs://}: {@code
 * jcolztest:} has an {@code AbstractFileSystem} binding (renames through {@code FileContext}, as
 * HDFS and S3A), {@code jcolzplain:} has none (the guarded {@code FileSystem.rename}).
 */
final class TestFileSystems {
  static final String CONTEXT = "jcolztest";
  static final String PLAIN = "jcolzplain";

  private TestFileSystems() {}

  /** Registers both schemes in {@code conf}. */
  static void register(Configuration conf) {
    conf.set("fs." + CONTEXT + ".impl", ContextFs.class.getName());
    conf.set("fs.AbstractFileSystem." + CONTEXT + ".impl", ContextAfs.class.getName());
    conf.set("fs." + PLAIN + ".impl", PlainFs.class.getName());
  }

  /** {@code jcolztest:}: the local disk. */
  public static class ContextFs extends RawLocalFileSystem {
    @Override
    public URI getUri() {
      return URI.create(getScheme() + ":///");
    }

    @Override
    public String getScheme() {
      return CONTEXT;
    }
  }

  /** {@code jcolzplain:}: the local disk, without a FileContext binding. */
  public static class PlainFs extends ContextFs {
    @Override
    public String getScheme() {
      return PLAIN;
    }
  }

  /** The FileContext binding of {@code jcolztest:}. */
  public static class ContextAfs extends DelegateToFileSystem {
    public ContextAfs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new ContextFs(), conf, CONTEXT, false);
    }
  }
}
