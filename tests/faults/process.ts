// A real server process (`bun src/index.ts`) for shutdown tests: signals, exit codes and output
// only exist across a process boundary. PORT=0: the URL is read from its "VRSS listening" log line.
import { spawn, type Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface ServerProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  /** Everything it wrote so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the exit code and when it exited (Date.now()). */
  exited: Promise<{ code: number | null; at: number }>;
  /** Kills it if still running, removes its data dir. */
  cleanup(): Promise<void>;
}

async function collect(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) into.push(decoder.decode(chunk, { stream: true }));
}

export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "vrss-proc-"));
  const proc = spawn(["bun", "src/index.ts"], {
    cwd: resolve(import.meta.dir, "../.."),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "development",
      PORT: "0",
      HOST: "127.0.0.1",
      RUN_JOBS: "false",
      LOG_LEVEL: "info",
      DATA_DIR: dataDir,
      CURSOR_SECRET: "shutdown-test-cursor-secret-0123456789abcdef",
      RATE_LIMIT_REGISTER_PER_IP: "10000",
      ...env,
    },
  });
  const chunks: string[] = [];
  const reading = Promise.all([collect(proc.stdout, chunks), collect(proc.stderr, chunks)]);
  const exited = proc.exited.then(async (code) => {
    const at = Date.now();
    await reading.catch(() => {});
    return { code, at };
  });
  const output = () => chunks.join("");
  const cleanup = async () => {
    if (proc.exitCode === null) proc.kill("SIGKILL");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  const started = Date.now();
  let url: string | null = null;
  while (!url) {
    const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*VRSS listening/.exec(output());
    if (m) url = m[1]!;
    else if (proc.exitCode !== null || Date.now() - started > 20_000) {
      await cleanup();
      throw new Error(`server did not start (exit ${proc.exitCode}):\n${output().slice(-3000)}`);
    } else await Bun.sleep(25);
  }
  return { proc, url, output, exited, cleanup };
}

/** What became of one HTTP call: its status, or how it failed without one. */
export type Outcome = number | "refused" | "reset";

export async function post(url: string, path: string, input: unknown, token: string): Promise<{ outcome: Outcome; body: any }> {
  try {
    const res = await fetch(`${url}/api/rpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(input),
    });
    return { outcome: res.status, body: await res.json().catch(() => null) };
  } catch (error) {
    const code = String((error as { code?: string }).code ?? "");
    return { outcome: /refused/i.test(code) ? "refused" : "reset", body: String(error) };
  }
}

/** An open SSE stream read raw (no client library, so we see exactly how it ends). */
export interface RawStream {
  text(): string;
  /** Resolves when the server ends the response: "ended" (cleanly) or "error: …". */
  done: Promise<string>;
  close(): void;
}

export function openStream(url: string, path: string, token: string): RawStream {
  const controller = new AbortController();
  const chunks: string[] = [];
  const done = (async () => {
    try {
      const res = await fetch(`${url}/api/rpc/${path}`, {
        headers: { accept: "text/event-stream", authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) chunks.push(decoder.decode(chunk, { stream: true }));
      return "ended";
    } catch (error) {
      return `error: ${String(error)}`;
    }
  })();
  return { text: () => chunks.join(""), done, close: () => controller.abort() };
}

export async function waitUntil(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await pred())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/**
 * Runs `lock` in a transaction of `sql` and keeps that transaction open until the returned release
 * is called (the app's statements that need the lock wait meanwhile). Give it a direct connection:
 * through a transaction pooler the held transaction would take one of the pooler's server
 * connections from the app.
 */
export async function holdInTransaction(sql: import("postgres").Sql, lock: (tx: import("postgres").TransactionSql) => Promise<unknown>): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const tx = sql.begin(async (t) => {
    await lock(t);
    locked();
    await released;
  });
  await Promise.race([isLocked, tx]);
  return async () => {
    release();
    await tx;
  };
}
