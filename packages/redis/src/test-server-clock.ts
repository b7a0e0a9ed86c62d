// Test-only: a wall clock a test can step for a redis-server of its own (an NTP step, a VM restore on the
// server's host), through the LD_PRELOAD shim in test-fixtures/server-clock, compiled here with the system's C
// compiler. Debian's libfaketime cannot do it: its start-up recursion with redis-server's jemalloc kills the server.
// Without a compiler a local run skips loudly; under CI=true it fails (.ci/run installs one).
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const source = join(dirname(fileURLToPath(import.meta.url)), "test-fixtures", "server-clock", "clock-offset.c");

export class SteppedServerClock {
  private constructor(
    private readonly directory: string,
    private readonly offsetFile: string,
    private readonly library: string,
  ) {}

  /** Compiles the shim into a directory of its own; undefined (with a warning) when no compiler is found outside CI. */
  static make(): SteppedServerClock | undefined {
    const directory = mkdtempSync(join(tmpdir(), "hopper-server-clock-"));
    const library = join(directory, "clock-offset.so");
    try {
      execFileSync("cc", ["-shared", "-fPIC", "-O2", "-o", library, source], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (error) {
      const message = `A C compiler (cc) is needed to step a test server's clock (${(error as Error).message.split("\n")[0]}): install gcc`;
      if (process.env.CI === "true") throw new Error(`${message}; it is required under CI=true`);
      console.warn(`\n*** ${message}. Server clock tests skipped. ***\n`);
      return undefined;
    }
    const offsetFile = join(directory, "offset");
    writeFileSync(offsetFile, Buffer.alloc(8));
    return new SteppedServerClock(directory, offsetFile, library);
  }

  /** Variables for the server's process: its realtime clock reads this clock's offset. */
  get environment(): NodeJS.ProcessEnv {
    return { LD_PRELOAD: this.library, HOPPER_CLOCK_OFFSET_FILE: this.offsetFile };
  }

  /** Sets the server's wall clock `offsetMs` from the real one, at once (the shim reads the file at every call). */
  setOffset(offsetMs: number): void {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64LE(BigInt(Math.round(offsetMs)));
    // Rewritten in place, never truncated: the server maps the file, and a mapping past a file's end faults.
    const descriptor = openSync(this.offsetFile, "r+");
    try {
      writeSync(descriptor, bytes, 0, 8, 0);
    } finally {
      closeSync(descriptor);
    }
  }

  /** Removes the shim and its file (once the server that maps them is stopped). */
  dispose(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}
