// Draws the worker-scaling chart with the JDK alone (no gnuplot or matplotlib on this machine):
//
//   java bench/Chart.java <scaling.tsv> <out.png> <title> [subtitle]
//
// scaling.tsv lines: <series> <workers> <invoices/s>. Each series is drawn as measured (solid) and
// as perfectly linear from its 1-worker point (dashed).
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

public class Chart {
  public static void main(String[] args) throws Exception {
    Map<String, TreeMap<Integer, Double>> series = new LinkedHashMap<>();
    for (var line : Files.readAllLines(Path.of(args[0]))) {
      var f = line.trim().split("\\s+");
      if (f.length < 3 || line.startsWith("#")) {
        continue;
      }
      series.computeIfAbsent(f[0], k -> new TreeMap<>()).put(Integer.parseInt(f[1]), Double.parseDouble(f[2]));
    }
    int w = 900, h = 560, left = 90, right = 30, top = 60, bottom = 70;
    var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);

    int maxWorkers = 1;
    double maxRate = 1;
    for (var s : series.values()) {
      maxWorkers = Math.max(maxWorkers, s.lastKey());
      double one = s.firstEntry().getValue() / s.firstKey();
      for (var e : s.entrySet()) {
        maxRate = Math.max(maxRate, Math.max(e.getValue(), one * e.getKey()));
      }
    }
    double yMax = niceCeil(maxRate * 1.05);
    int plotW = w - left - right, plotH = h - top - bottom;
    final int fMaxWorkers = maxWorkers;
    java.util.function.IntUnaryOperator xOf = k -> left + (int) Math.round((k - 0.5) / (fMaxWorkers + 0.5 - 0.5) * plotW * 0.95);
    java.util.function.DoubleUnaryOperator yOf = v -> top + plotH - v / yMax * plotH;

    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
    g.setColor(Color.BLACK);
    g.drawString(args.length > 2 ? args[2] : "Worker scaling", left, 28);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.DARK_GRAY);
    if (args.length > 3) {
      g.drawString(args[3], left, 47);
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    // grid and y ticks
    for (int i = 0; i <= 5; i++) {
      double v = yMax * i / 5;
      int y = (int) yOf.applyAsDouble(v);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(left, y, w - right, y);
      g.setColor(Color.DARK_GRAY);
      var label = String.format("%,.0f", v);
      g.drawString(label, left - 10 - g.getFontMetrics().stringWidth(label), y + 5);
    }
    // x ticks: the worker counts measured
    var ks = new java.util.TreeSet<Integer>();
    series.values().forEach(s -> ks.addAll(s.keySet()));
    for (int k : ks) {
      int x = xOf.applyAsInt(k);
      g.setColor(new Color(230, 230, 230));
      g.drawLine(x, top, x, top + plotH);
      g.setColor(Color.DARK_GRAY);
      var label = Integer.toString(k);
      g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, top + plotH + 20);
    }
    g.setColor(Color.BLACK);
    g.drawLine(left, top + plotH, w - right, top + plotH);
    g.drawLine(left, top, left, top + plotH);
    g.drawString("worker processes", left + plotW / 2 - 50, h - 25);
    var ylab = "invoices/s";
    g.rotate(-Math.PI / 2);
    g.drawString(ylab, -(top + plotH / 2 + 30), 25);
    g.rotate(Math.PI / 2);

    Color[] palette = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44), new Color(148, 103, 189)};
    int idx = 0;
    int legendY = top + 10;
    for (var entry : series.entrySet()) {
      var color = palette[idx++ % palette.length];
      var s = entry.getValue();
      double perWorker = s.firstEntry().getValue() / s.firstKey();
      // linear ideal, dashed
      g.setColor(color);
      g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f));
      g.drawLine(xOf.applyAsInt(s.firstKey()), (int) yOf.applyAsDouble(perWorker * s.firstKey()),
          xOf.applyAsInt(s.lastKey()), (int) yOf.applyAsDouble(perWorker * s.lastKey()));
      // measured, solid with markers
      g.setStroke(new BasicStroke(2.5f));
      List<int[]> pts = new ArrayList<>();
      s.forEach((k, v) -> pts.add(new int[] {xOf.applyAsInt(k), (int) yOf.applyAsDouble(v)}));
      for (int i = 1; i < pts.size(); i++) {
        g.drawLine(pts.get(i - 1)[0], pts.get(i - 1)[1], pts.get(i)[0], pts.get(i)[1]);
      }
      for (var p : pts) {
        g.fillOval(p[0] - 5, p[1] - 5, 10, 10);
      }
      // The highest series at a worker count is labelled above its point, the others below.
      s.forEach((k, v) -> {
        boolean highest = series.values().stream().allMatch(o -> o.getOrDefault(k, 0.0) <= v);
        var label = String.format("%,.0f (%.2f)", v, v / (perWorker * k));
        g.setColor(color.darker());
        g.drawString(label, xOf.applyAsInt(k) + 8, (int) yOf.applyAsDouble(v) + (highest ? -10 : 20));
      });
      g.setColor(color);
      g.setStroke(new BasicStroke(2.5f));
      g.drawLine(left + 15, legendY, left + 45, legendY);
      g.setColor(Color.BLACK);
      g.drawString(entry.getKey() + " measured (ratio to linear)", left + 52, legendY + 5);
      legendY += 20;
      g.setColor(color);
      g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f));
      g.drawLine(left + 15, legendY, left + 45, legendY);
      g.setColor(Color.BLACK);
      g.drawString(entry.getKey() + " linear from 1 worker", left + 52, legendY + 5);
      legendY += 20;
    }
    g.dispose();
    ImageIO.write(img, "png", new File(args[1]));
  }

  static double niceCeil(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }
}
