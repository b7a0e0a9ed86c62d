/**
 * The counters of a server run under callgrind (`valgrind --tool=callgrind --callgrind-out-file=<dir>/callgrind.out.%p`),
 * for probes that count instructions per call: unlike CPU time, a count does not move with the machine's load.
 */
import { execSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";

export function callgrindCounters(pid: string, dir: string) {
  return {
    /** Zeroes the counters. */
    zero(): void {
      execSync(`callgrind_control -z ${pid}`, { stdio: "ignore" });
    },
    /** Dumps the counters and reads the newest dump's total instructions. */
    dumpedTotal(): number {
      execSync(`callgrind_control -d ${pid}`, { stdio: "ignore" });
      const newest = readdirSync(dir)
        .filter((file) => file.startsWith("callgrind.out"))
        .map((file) => `${dir}/${file}`)
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
      return Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(newest, "utf8"))?.[1]);
    },
  };
}
