package dev.skiff.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A dependency-free SVG bar chart: for each JDK and each compute kernel and handler benchmark, one
 * bar per runtime with its time relative to raw Chicory's compiler, on a log scale, with error
 * whiskers.
 */
final class Chart {
  private static final int LABEL_WIDTH = 330;
  private static final int PLOT_WIDTH = 520;
  private static final int ROW = 15;
  private static final String BASELINE = "chicory-compiler";

  private Chart() {}

  static String svg(List<Report.Row> rows) {
    List<Object[]> bars = new ArrayList<>();
    List<String> jdks = rows.stream().map(r -> r.jdk).distinct().sorted().collect(Collectors.toList());
    for (String jdk : jdks) {
      Map<String, List<Report.Row>> byKey = new TreeMap<>();
      rows.stream().filter(r -> r.jdk.equals(jdk))
          .filter(r -> r.benchmark.startsWith("ComputeBenchmark.") || r.benchmark.startsWith("HandlerBenchmark."))
          .forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
      for (Map.Entry<String, List<Report.Row>> e : byKey.entrySet()) {
        Report.Row base = Report.find(e.getValue(), BASELINE);
        if (base == null) {
          continue;
        }
        bars.add(new Object[] {jdk + "  " + e.getKey().replace("Benchmark", ""), null, 0.0, 0.0});
        for (Report.Row r : e.getValue()) {
          bars.add(new Object[] {r.runtime, r.runtime, Report.ratio(r, base), Report.ratioError(r, base)});
        }
      }
    }
    double min = 1;
    double max = 1;
    for (Object[] b : bars) {
      if (b[1] != null) {
        min = Math.min(min, (double) b[2] - (double) b[3] > 0 ? (double) b[2] - (double) b[3] : (double) b[2]);
        max = Math.max(max, (double) b[2] + (double) b[3]);
      }
    }
    double lo = Math.floor(Math.log10(min));
    double hi = Math.ceil(Math.log10(max));
    if (hi <= lo) {
      hi = lo + 1;
    }
    int height = 50 + bars.size() * ROW + 30;
    int width = LABEL_WIDTH + PLOT_WIDTH + 30;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"11\">\n", width, height));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append("<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">Time relative to raw Chicory "
        + "(compiler), log scale; shorter is faster; whiskers: 99.9% CI</text>\n");
    int top = 40;
    for (double d = lo; d <= hi; d++) {
      double x = LABEL_WIDTH + (d - lo) / (hi - lo) * PLOT_WIDTH;
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n",
          x, top - 5, x, top + bars.size() * ROW));
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%sx</text>\n",
          x, top + bars.size() * ROW + 14, Report.num(Math.pow(10, d))));
    }
    double one = LABEL_WIDTH + (0 - lo) / (hi - lo) * PLOT_WIDTH;
    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n",
        one, top - 5, one, top + bars.size() * ROW));
    int y = top;
    for (Object[] b : bars) {
      String label = (String) b[0];
      if (b[1] == null) {
        s.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">%s</text>\n",
            y + 11, escape(label)));
      } else {
        double ratio = (double) b[2];
        double err = (double) b[3];
        double x = LABEL_WIDTH + (Math.log10(ratio) - lo) / (hi - lo) * PLOT_WIDTH;
        double x0 = Math.min(x, one);
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s  %s</text>\n",
            LABEL_WIDTH - 6, y + 11, escape(label), Report.fmtRatio(ratio, err)));
        s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
            x0, y + 2, Math.max(1, Math.abs(x - one)), ROW - 4, color((String) b[1])));
        if (err > 0 && ratio - err > 0) {
          double xl = LABEL_WIDTH + (Math.log10(ratio - err) - lo) / (hi - lo) * PLOT_WIDTH;
          double xh = LABEL_WIDTH + (Math.log10(ratio + err) - lo) / (hi - lo) * PLOT_WIDTH;
          s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n",
              xl, y + ROW / 2, xh, y + ROW / 2));
        }
      }
      y += ROW;
    }
    s.append("</svg>\n");
    return s.toString();
  }

  private static String color(String runtime) {
    if (runtime.startsWith("skiff")) {
      if (runtime.endsWith("grown")) {
        return "#4a90d9";
      }
      return runtime.endsWith("interpreter") ? "#7fb3e0" : "#1f6fb5";
    }
    if (runtime.startsWith("chicory")) {
      return runtime.endsWith("interpreter") ? "#c7c7c7" : "#8c8c8c";
    }
    switch (runtime) {
      case "wasmtime":
        return "#e0812b";
      case "graalwasm":
        return "#4caf50";
      case "native":
        return "#b03a2e";
      default:
        return "#999";
    }
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
