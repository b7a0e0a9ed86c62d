import { describe, expect, it } from "vitest";
import { renderSvgChart } from "./svg-chart.js";
import { rate, runResult, subject } from "./test-run-result.js";

describe("renderSvgChart", () => {
  const svg = renderSvgChart(runResult([subject("redis/hopper", "hopper", 1000), subject("redis/raw", "raw", 2000), subject("pubsub/<raw>", "raw", 10, { latency: undefined })]));

  it("draws one throughput bar and one p99 bar per measured subject, scaled to the largest", () => {
    expect(svg.startsWith("<svg")).toBe(true);
    const widths = [...svg.matchAll(/<rect x="190" y="\d+" width="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(widths).toHaveLength(3);
    expect(widths[1]).toBeCloseTo(2 * widths[0]!, 0);
    expect(svg).toContain("8,000 /s");
    expect(svg).toContain("Drain throughput at concurrency 10");
  });

  it("draws p99 on a log scale, so the slowest subject does not flatten the others", () => {
    const widths = [...svg.matchAll(/<rect x="770" y="\d+" width="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]! / widths[1]!).toBeCloseTo(Math.log10(1 + 19.9) / Math.log10(1 + 39.8), 2);
    expect(svg).toContain("log scale");
  });

  it("escapes labels and says when a figure was not measured", () => {
    expect(svg).toContain("pubsub/&lt;raw&gt;");
    expect(svg).not.toContain("pubsub/<raw>");
    expect(svg).toContain("not measured");
  });

  it("prints a figure's marks after its value, as the tables do", () => {
    const cold = subject("postgres/pg-boss", "peer", 5, { drain: [{ concurrency: 10, rate: { ...rate([50]), unwarmed: true } }] });
    expect(renderSvgChart(runResult([cold]))).toContain("50.0 /s §");
  });
});
