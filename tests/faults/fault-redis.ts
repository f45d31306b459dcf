// Fault-injection helpers for tests/faults: a redis-server of the test's own, and log capture.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createLogger } from "../../src/lib/logger";

/** A redis-server of this test's own, on a free port of 6390–6399: down, frozen, back. */
export class FaultRedis {
  readonly pidfile: string;
  constructor(readonly port: number) {
    this.pidfile = `/tmp/vrss-fault-redis-${port}.pid`;
  }
  static async free(from: number, to: number): Promise<FaultRedis> {
    for (let port = from; port <= to; port++) {
      const probe = spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" });
      if (!probe.stdout.includes("PONG")) return new FaultRedis(port);
    }
    throw new Error(`no free Redis port in ${from}-${to}`);
  }
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    rmSync(this.pidfile, { force: true });
    const r = spawnSync("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes", "--pidfile", this.pidfile]);
    if (r.status !== 0) throw new Error(`redis-server: ${r.stderr}`);
    for (let i = 0; i < 100; i++) {
      if (spawnSync("redis-cli", ["-p", String(this.port), "ping"], { encoding: "utf8" }).stdout.includes("PONG") && existsSync(this.pidfile)) return;
      await Bun.sleep(20);
    }
    throw new Error("redis-server did not start");
  }
  private pid(): number {
    return Number(readFileSync(this.pidfile, "utf8").trim());
  }
  /** Down: the process is killed (its data is gone: --save ""). */
  async kill(): Promise<void> {
    const pid = this.pid();
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await Bun.sleep(10);
    }
  }
  freeze() {
    process.kill(this.pid(), "SIGSTOP");
  }
  thaw() {
    process.kill(this.pid(), "SIGCONT");
  }
  async stop(): Promise<void> {
    if (!existsSync(this.pidfile)) return;
    try {
      this.thaw();
      await this.kill();
    } catch {}
    rmSync(this.pidfile, { force: true });
  }
}

/** Log lines (parsed) of a logger at info, and everything ioredis would print to stderr. */
export function captureLogs() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = createLogger({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const stderr: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    stderr.push(args.map(String).join(" "));
    original(...args);
  };
  return { log, lines, stderr, restore: () => void (console.error = original) };
}

export async function waitFor(pred: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<number> {
  const started = Date.now();
  while (!(await pred())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
  return Date.now() - started;
}

