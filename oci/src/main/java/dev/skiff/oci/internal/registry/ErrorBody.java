package dev.skiff.oci.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.oci.internal.format.Manifests;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Response;
import okhttp3.ResponseBody;

/** A distribution error body ({@code {"errors":[{"code":..,"message":..}]}}): its codes and first message. */
record ErrorBody(List<String> codes, String message) {
  private static final int MAX_MESSAGE = 300;

  /** {@code ": message"}, or nothing when there is none. */
  String suffix() {
    return message == null || message.isEmpty() ? "" : ": " + message;
  }

  static ErrorBody read(Response r) {
    List<String> codes = new ArrayList<>();
    String message = null;
    try {
      ResponseBody body = r.body();
      if (body != null) {
        byte[] bytes;
        try (InputStream in = body.byteStream()) {
          bytes = in.readNBytes(64 * 1024);
        }
        JsonNode n = Manifests.JSON.readTree(bytes);
        if (n != null) {
          for (JsonNode e : n.path("errors")) {
            codes.add(e.path("code").asText());
            if (message == null && e.hasNonNull("message")) {
              message = e.get("message").asText();
            }
          }
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // Not a distribution error body; the status says enough.
    }
    if (message != null && message.length() > MAX_MESSAGE) {
      message = message.substring(0, MAX_MESSAGE) + "...";
    }
    return new ErrorBody(List.copyOf(codes), message);
  }
}
