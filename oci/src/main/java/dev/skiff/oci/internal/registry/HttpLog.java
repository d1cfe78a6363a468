package dev.skiff.oci.internal.registry;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Logs each registry request at DEBUG on {@code dev.skiff.oci.http}: method, URL without its query
 * (pre-signed blob URLs carry signatures there), status and time. Headers are never logged, so
 * credentials and tokens stay out.
 */
public final class HttpLog implements Interceptor {
  public static final HttpLog INSTANCE = new HttpLog();
  private static final System.Logger LOG = System.getLogger("dev.skiff.oci.http");

  private HttpLog() {}

  @Override
  public Response intercept(Chain chain) throws IOException {
    if (!LOG.isLoggable(System.Logger.Level.DEBUG)) {
      return chain.proceed(chain.request());
    }
    HttpUrl url = chain.request().url();
    String what = chain.request().method() + " " + url.scheme() + "://" + url.host() + ":" + url.port()
        + url.encodedPath();
    long start = System.nanoTime();
    try {
      Response r = chain.proceed(chain.request());
      LOG.log(System.Logger.Level.DEBUG, "{0} -> {1} ({2} ms)", what, r.code(), (System.nanoTime() - start) / 1_000_000);
      return r;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "{0} -> {1}", what, e.toString());
      throw e;
    }
  }
}
