package dev.skiff.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of an image configuration a runtime needs: Entrypoint, Cmd, Env, WorkingDir, labels, the
 * manifest's annotations, os and architecture. Immutable. A bare {@code .wasm} has {@link #empty()}.
 */
public final class ImageConfig {
  private static final ImageConfig EMPTY = builder().build();

  private final List<String> entrypoint;
  private final List<String> cmd;
  private final List<String> env;
  private final String workingDir;
  private final Map<String, String> labels;
  private final Map<String, String> annotations;
  private final String os;
  private final String architecture;

  private ImageConfig(Builder b) {
    this.entrypoint = List.copyOf(b.entrypoint);
    this.cmd = List.copyOf(b.cmd);
    this.env = List.copyOf(b.env);
    this.workingDir = b.workingDir;
    this.labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.labels));
    this.annotations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.annotations));
    this.os = b.os;
    this.architecture = b.architecture;
  }

  /**
   * The configuration of something that has none (a bare module): every list and map empty, os and
   * architecture empty strings.
   *
   * @return the empty configuration
   */
  public static ImageConfig empty() {
    return EMPTY;
  }

  /**
   * Starts a configuration.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The image's Entrypoint.
   *
   * @return the entrypoint words, possibly empty
   */
  public List<String> entrypoint() {
    return entrypoint;
  }

  /**
   * The image's Cmd (default arguments, or the program when there is no Entrypoint).
   *
   * @return the cmd words, possibly empty
   */
  public List<String> cmd() {
    return cmd;
  }

  /**
   * The image's environment.
   *
   * @return entries of the form {@code K=V}
   */
  public List<String> env() {
    return env;
  }

  /**
   * The image's working directory.
   *
   * @return the absolute directory inside the image, when set
   */
  public Optional<String> workingDir() {
    return Optional.ofNullable(workingDir);
  }

  /**
   * The image configuration's labels.
   *
   * @return labels, possibly empty
   */
  public Map<String, String> labels() {
    return labels;
  }

  /**
   * The manifest's annotations.
   *
   * @return annotations, possibly empty
   */
  public Map<String, String> annotations() {
    return annotations;
  }

  /**
   * The operating system the image declares, e.g. {@code wasip1} or {@code wasi}.
   *
   * @return the os, or an empty string
   */
  public String os() {
    return os;
  }

  /**
   * The architecture the image declares, e.g. {@code wasm}.
   *
   * @return the architecture, or an empty string
   */
  public String architecture() {
    return architecture;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageConfig c && c.entrypoint.equals(entrypoint) && c.cmd.equals(cmd) && c.env.equals(env)
        && Objects.equals(c.workingDir, workingDir) && c.labels.equals(labels) && c.annotations.equals(annotations)
        && c.os.equals(os) && c.architecture.equals(architecture);
  }

  @Override
  public int hashCode() {
    return Objects.hash(entrypoint, cmd, env, workingDir, labels, annotations, os, architecture);
  }

  @Override
  public String toString() {
    // Env values may hold secrets baked into an image: show only the names.
    List<String> envNames = new ArrayList<>();
    for (String e : env) {
      int eq = e.indexOf('=');
      envNames.add(eq < 0 ? e : e.substring(0, eq));
    }
    return "ImageConfig{os=" + os + ", architecture=" + architecture + ", entrypoint=" + entrypoint + ", cmd=" + cmd
        + ", env=" + envNames + ", workingDir=" + workingDir + ", labels=" + labels.keySet() + "}";
  }

  /** Builds an {@link ImageConfig}; not thread-safe. */
  public static final class Builder {
    private List<String> entrypoint = List.of();
    private List<String> cmd = List.of();
    private List<String> env = List.of();
    private String workingDir;
    private Map<String, String> labels = Map.of();
    private Map<String, String> annotations = Map.of();
    private String os = "";
    private String architecture = "";

    private Builder() {}

    /**
     * Sets the Entrypoint.
     *
     * @param v the words
     * @return this builder
     */
    public Builder entrypoint(List<String> v) {
      entrypoint = List.copyOf(v);
      return this;
    }

    /**
     * Sets the Cmd.
     *
     * @param v the words
     * @return this builder
     */
    public Builder cmd(List<String> v) {
      cmd = List.copyOf(v);
      return this;
    }

    /**
     * Sets the environment.
     *
     * @param v entries {@code K=V}
     * @return this builder
     */
    public Builder env(List<String> v) {
      env = List.copyOf(v);
      return this;
    }

    /**
     * Sets the working directory.
     *
     * @param v the directory, or null for none
     * @return this builder
     */
    public Builder workingDir(String v) {
      workingDir = v == null || v.isEmpty() ? null : v;
      return this;
    }

    /**
     * Sets the labels.
     *
     * @param v the labels
     * @return this builder
     */
    public Builder labels(Map<String, String> v) {
      labels = new LinkedHashMap<>(v);
      return this;
    }

    /**
     * Sets the manifest annotations.
     *
     * @param v the annotations
     * @return this builder
     */
    public Builder annotations(Map<String, String> v) {
      annotations = new LinkedHashMap<>(v);
      return this;
    }

    /**
     * Sets the os.
     *
     * @param v e.g. {@code wasip1}
     * @return this builder
     */
    public Builder os(String v) {
      os = v == null ? "" : v;
      return this;
    }

    /**
     * Sets the architecture.
     *
     * @param v e.g. {@code wasm}
     * @return this builder
     */
    public Builder architecture(String v) {
      architecture = v == null ? "" : v;
      return this;
    }

    /**
     * Builds the immutable configuration.
     *
     * @return the configuration
     */
    public ImageConfig build() {
      return new ImageConfig(this);
    }
  }
}
