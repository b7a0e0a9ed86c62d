import { posix } from "node:path";

export const readmeHeading = "## Benchmarks";

/**
 * The root README's "## Benchmarks" section: a short introduction, then the
 * run's full markdown report with its headings one level down and its chart
 * linked from the README's folder. Generated, so no figure is ever copied by hand.
 */
export function readmeSection(reportMarkdown: string, resultsPath: string, latest = "latest"): string {
  const report = reportMarkdown
    .replace(/^# .*\n+/, "")
    .replace(/^(#{2,5}) /gm, "#$1 ")
    .replace(new RegExp(`\\]\\(${latest}\\.svg\\)`, "g"), `](${posix.join(resultsPath, `${latest}.svg`)})`);
  return [
    readmeHeading,
    "",
    "`pnpm bench` runs a short suite (under five minutes here) on every backend it can reach, next to the raw client and the best-known peers on the same server; " +
      `[benchmarks/README.md](benchmarks/README.md) says what each scenario measures and how to run the full one or point it at real cloud services. ` +
      `The figures below are copied by the bench itself from [${posix.join(resultsPath, `${latest}.md`)}](${posix.join(resultsPath, `${latest}.md`)}) (JSON with every sample: [${latest}.json](${posix.join(resultsPath, `${latest}.json`)})).`,
    "",
    report.trim(),
    "",
  ].join("\n");
}

/** Replaces the `heading` section (up to the next heading of the same level) or appends it; the rest of the file is untouched. */
export function replaceSection(document: string, heading: string, section: string): string {
  const lines = document.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  const body = section.endsWith("\n") ? section : `${section}\n`;
  if (start === -1) return `${document.replace(/\n*$/, "\n\n")}${body}`;
  const level = heading.match(/^#+/)![0].length;
  const sameOrHigher = new RegExp(`^#{1,${level}} `);
  let end = lines.findIndex((line, index) => index > start && sameOrHigher.test(line));
  if (end === -1) end = lines.length;
  const before = lines.slice(0, start).join("\n");
  const after = lines.slice(end).join("\n");
  return `${before}${before ? "\n" : ""}${body}${after ? `\n${after}` : ""}`;
}
