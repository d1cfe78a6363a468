package dev.skiff;

/**
 * Observes a guest's WASI calls, like {@code strace} for a Wasm program: each call with its decoded
 * arguments, result, errno and time. Given to {@link Runner#wasiListener(WasiCallListener)}.
 *
 * <pre>{@code
 * artifact.runner()
 *     .wasiListener(WasiCallListener.of(name -> name.startsWith("path_"), call -> log.add(call.toString())))
 *     .run();
 * }</pre>
 *
 * <p>Only functions that {@link #observes(String)} accepts are wrapped, once, when the instance is made;
 * the others, and every function of a runner without a listener, run as they would with none. Calls
 * arrive on the guest's thread, after each call returns.
 */
public interface WasiCallListener {
  /**
   * Whether calls to this WASI function are reported; asked once per function for each instance.
   *
   * @param function the WASI function's name, e.g. {@code path_open}
   * @return true to report its calls (the default)
   */
  default boolean observes(String function) {
    return true;
  }

  /**
   * Called after each observed call, including {@code proc_exit}, which does not return to the guest.
   *
   * @param call what was called, with what, and what it returned
   */
  void onCall(WasiCall call);

  /**
   * A listener for the functions {@code filter} accepts.
   *
   * @param filter which WASI functions to report, by name
   * @param onCall what to do with each call
   * @return the listener
   */
  static WasiCallListener of(java.util.function.Predicate<String> filter,
      java.util.function.Consumer<WasiCall> onCall) {
    java.util.Objects.requireNonNull(filter, "filter");
    java.util.Objects.requireNonNull(onCall, "onCall");
    return new WasiCallListener() {
      @Override
      public boolean observes(String function) {
        return filter.test(function);
      }

      @Override
      public void onCall(WasiCall call) {
        onCall.accept(call);
      }
    };
  }
}
