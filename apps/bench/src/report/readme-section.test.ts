import { describe, expect, it } from "vitest";
import { readmeSection, replaceSection } from "./readme-section.js";

describe("readmeSection", () => {
  it("demotes the report's headings and links the chart from the README's folder", () => {
    const section = readmeSection("# Hopper benchmark results\n\n- command: `pnpm bench`\n\n![chart](latest.svg)\n\n## Throughput\n\n| a |\n", "benchmarks/results");
    expect(section.startsWith("## Benchmarks\n")).toBe(true);
    expect(section).toContain("### Throughput");
    expect(section).not.toContain("# Hopper benchmark results");
    expect(section).toContain("![chart](benchmarks/results/latest.svg)");
    expect(section).toContain("- command: `pnpm bench`");
  });
});

describe("replaceSection", () => {
  const readme = "# Hopper\n\nintro\n\n## Benchmarks\n\nold table\n\n### Detail\n\nold\n\n## Packages\n\nlist\n";

  it("replaces only that section, up to the next heading of its level", () => {
    const updated = replaceSection(readme, "## Benchmarks", "## Benchmarks\n\nnew table\n");
    expect(updated).toBe("# Hopper\n\nintro\n\n## Benchmarks\n\nnew table\n\n## Packages\n\nlist\n");
  });

  it("appends the section when the document has none", () => {
    expect(replaceSection("# Hopper\n\nintro\n", "## Benchmarks", "## Benchmarks\n\nt\n")).toBe("# Hopper\n\nintro\n\n## Benchmarks\n\nt\n");
  });

  it("replaces a section that ends the file", () => {
    expect(replaceSection("# H\n\n## Benchmarks\n\nold\n", "## Benchmarks", "## Benchmarks\n\nnew\n")).toBe("# H\n\n## Benchmarks\n\nnew\n");
  });
});
