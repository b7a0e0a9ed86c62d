// Test-only: Debian's chromium driven by playwright-core (no downloaded browsers: `playwright install` is never run).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** The chromium on PATH, or undefined. Under CI=true a missing one is an error (the test must fail, not skip). */
export function findChromium(): string | undefined {
  let found: string | undefined;
  try {
    found = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    found = undefined;
  }
  if (!found && process.env.CI === "true") throw new Error("CI=true but no chromium on PATH: install it (apt-get install -y chromium, as .ci/run does)");
  if (!found) console.warn("\n*** SKIPPING the dashboard's browser tests: no chromium on PATH (apt-get install -y chromium) ***\n");
  return found;
}

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile each time, so no cookie or cache leaks between runs. */
export async function launchChromium(executablePath: string, options: { extraHTTPHeaders?: Record<string, string>; viewport?: { width: number; height: number } } = {}): Promise<Chromium> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), "hopper-dashboard-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    viewport: options.viewport ?? { width: 1280, height: 800 },
    ...(options.extraHTTPHeaders && { extraHTTPHeaders: options.extraHTTPHeaders }),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
