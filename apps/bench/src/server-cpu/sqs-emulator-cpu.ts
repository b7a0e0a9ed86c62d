import { readdirSync, readFileSync } from "node:fs";

const ticksUs = 1e6 / 100;
const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * CPU time, in µs, of the local SQS emulator (`@hopper/services`' fauxqs child, `sqs-emulator-main.ts PORT`)
 * serving the endpoint named in an sqs:// URL's `endpoint` parameter, from /proc (clock ticks, 10 ms
 * resolution: measure thousands of jobs). Undefined for an endpoint not on this machine's loopback or not the
 * emulator's, or when /proc cannot be read.
 */
export function sqsEmulatorCpu(connection: string): (() => number) | undefined {
  let port: string;
  try {
    const endpoint = new URL(connection).searchParams.get("endpoint");
    const url = endpoint ? new URL(endpoint) : undefined;
    // Only an endpoint on this machine can be the emulator counted here (another machine's port may match a local one).
    port = url && loopbackHosts.has(url.hostname) ? url.port : "";
  } catch {
    return undefined;
  }
  if (!port) return undefined;
  const pid = readdirSync("/proc").find((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      return args.some((arg) => arg.endsWith("sqs-emulator-main.ts") || arg.endsWith("sqs-emulator-main.js")) && args.at(-1) === port;
    } catch {
      return false;
    }
  });
  if (!pid) return undefined;
  return () => {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * ticksUs;
  };
}
