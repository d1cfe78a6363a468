import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.wasi.internal.FlatMemory;

/** Java agent: ends flat-memory exactness for the JVM, at once or after the given seconds. */
public final class EndExactness {
  public static void premain(String args) {
    long delay = args == null || args.isEmpty() ? 0 : Long.parseLong(args);
    Runnable end = () -> {
      FlatMemory memory = new FlatMemory(new MemoryLimits(1, 65535));
      while (FlatMemory.allExact()) {
        memory.grow(1);
      }
      System.err.println("# exactness ended after " + delay + " s");
    };
    if (delay == 0) {
      end.run();
    } else {
      Thread t = new Thread(() -> {
        try { Thread.sleep(delay * 1000); } catch (InterruptedException e) { return; }
        end.run();
      });
      t.setDaemon(true);
      t.start();
    }
  }
}
