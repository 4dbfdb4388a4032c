package dev.charon.simulate;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.charon.money.Currency;
import dev.charon.money.Money;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * The comparison of policies as a markdown table, JSON and a PNG bar chart (drawn with the JDK
 * alone, as bench/Chart.java).
 */
public final class SimulationReport {
  private SimulationReport() {}

  public static String markdown(Simulation.Options o, List<Simulation.Result> results) {
    var sb = new StringBuilder();
    sb.append(
        "Dunning policies compared: %d customers x %d months from %s, population seed %d%n%n"
            .formatted(o.customers(), o.months(), o.start(), o.seed()));
    sb.append(
        "| policy | invoices | paid | collection rate | collected (EUR) | recovered by dunning (EUR) | retries | uncollectible | awaiting new card | mean days to collect | retries the networks refused |\n");
    sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (var r : results) {
      sb.append(
          "| %s | %d | %d | %s%% | %s | %s | %d | %d | %d | %s | %d |%n"
              .formatted(
                  r.policy(),
                  r.invoices(),
                  r.paid(),
                  r.collectionRate().movePointRight(2).stripTrailingZeros().toPlainString(),
                  eur(r.collectedMinor()),
                  eur(r.recoveredByDunningMinor()),
                  r.retries(),
                  r.uncollectible(),
                  r.awaitingPaymentMethod(),
                  r.meanDaysToCollect().toPlainString(),
                  r.networkRefusedRetries()));
    }
    var codes = new TreeSet<String>();
    results.forEach(r -> codes.addAll(r.declinesByCode().keySet()));
    sb.append("\nDeclines by code\n\n| policy |");
    codes.forEach(c -> sb.append(" ").append(c).append(" |"));
    sb.append("\n| --- |");
    codes.forEach(c -> sb.append(" ---: |"));
    sb.append("\n");
    for (var r : results) {
      sb.append("| ").append(r.policy()).append(" |");
      codes.forEach(
          c -> sb.append(" ").append(r.declinesByCode().getOrDefault(c, 0L)).append(" |"));
      sb.append("\n");
    }
    var rules = new TreeSet<String>();
    results.forEach(r -> rules.addAll(r.networkRefusalsByRule().keySet()));
    sb.append(
        "\nRetries the card networks would have refused, by rule"
            + " (charging/domain/NetworkRetryRules: each waits for the customer instead)\n\n");
    if (rules.isEmpty()) {
      sb.append("None: no policy reached a rule.\n");
    } else {
      sb.append("| policy |");
      rules.forEach(c -> sb.append(" ").append(c).append(" |"));
      sb.append("\n| --- |");
      rules.forEach(c -> sb.append(" ---: |"));
      sb.append("\n");
      for (var r : results) {
        sb.append("| ").append(r.policy()).append(" |");
        rules.forEach(
            c -> sb.append(" ").append(r.networkRefusalsByRule().getOrDefault(c, 0L)).append(" |"));
        sb.append("\n");
      }
    }
    return sb.toString();
  }

  private static String eur(long minor) {
    return Money.ofMinor(minor, Currency.EUR).toDecimal().toPlainString();
  }

  public static void write(Path dir, Simulation.Options o, List<Simulation.Result> results) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("simulation.md"), markdown(o, results));
      dev.charon.api.Json.mapper()
          .copy()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(
              dir.resolve("simulation.json").toFile(),
              java.util.Map.of("options", o, "results", results));
      ImageIO.write(chart(results), "png", dir.resolve("simulation.png").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Collection rate and retries spent per policy, side by side. */
  static BufferedImage chart(List<Simulation.Result> results) {
    int w = 900, h = 480, left = 70, bottom = 80, top = 60;
    var img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    var g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(
        "Dunning policies: collection rate (blue, %) and retries per invoice (orange)", left, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int plotH = h - top - bottom;
    g.setStroke(new BasicStroke(1));
    g.drawLine(left, h - bottom, w - 20, h - bottom);
    double maxRetries =
        results.stream()
            .mapToDouble(r -> r.invoices() == 0 ? 0 : (double) r.retries() / r.invoices())
            .max()
            .orElse(1);
    int slot = (w - left - 40) / Math.max(1, results.size());
    for (int i = 0; i < results.size(); i++) {
      var r = results.get(i);
      int x = left + i * slot + slot / 6;
      int bw = slot / 3;
      int rateH = (int) Math.round(r.collectionRate().doubleValue() * plotH);
      g.setColor(new Color(0x2f6fb2));
      g.fillRect(x, h - bottom - rateH, bw, rateH);
      double perInvoice = r.invoices() == 0 ? 0 : (double) r.retries() / r.invoices();
      int retryH = maxRetries == 0 ? 0 : (int) Math.round(perInvoice / maxRetries * plotH * 0.9);
      g.setColor(new Color(0xe08a2e));
      g.fillRect(x + bw + 4, h - bottom - retryH, bw, retryH);
      g.setColor(Color.BLACK);
      g.drawString(
          r.collectionRate().movePointRight(2).stripTrailingZeros().toPlainString() + "%",
          x,
          h - bottom - rateH - 4);
      g.drawString("%.2f".formatted(perInvoice), x + bw + 4, h - bottom - retryH - 4);
      g.drawString(r.policy(), x, h - bottom + 18);
    }
    g.dispose();
    return img;
  }
}
