// Closed-loop HTTP load driver for bench/load.ts: C clients, each sending its next request as soon
// as the previous one is answered (so offered load follows the server: what a pool of busy users
// feels, not an open-loop arrival rate). Bun's fetch keeps connections alive, so C clients hold
// about C connections. Every response body is read to the end (keep-alive needs it) and every
// non-2xx answer or transport error is counted by status, never dropped from the figures.
import { readFileSync } from "node:fs";

export interface Request {
  url: string;
  headers?: Record<string, string>;
}

export interface CellResult {
  concurrency: number;
  /** Requests answered inside the measured window (warm-up excluded). */
  n: number;
  /** Every request sent after the statistics reset, including those answered after the window. */
  served: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers and transport errors in the window, by status ("network" for transport). */
  errors: Map<string, number>;
  errorCount: number;
  /** Mean response size (bytes) of 2xx answers. */
  bytes: number;
  /** Share of all cores busy during the window (machine) and used by this driver process (client). */
  cpu: { machine: number; client: number };
  samples: string[];
}

function cpuTicks(): { busy: number; total: number } {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export const percentile = (sorted: ArrayLike<number>, p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;

/**
 * Runs one cell: `warmupSeconds` of load that is not recorded, then `beforeMeasure()` (the caller
 * resets pg_stat_statements there, while the clients keep running so the load never drops), then
 * `seconds` of measured load. After the window the clients stop issuing; the call returns once
 * every in-flight request has been answered, so the caller's statistics see all of their queries.
 */
export async function runCell(opts: {
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  next: (seq: number) => Request;
  beforeMeasure?: () => Promise<void>;
  timeoutMs?: number;
}): Promise<CellResult> {
  const { concurrency } = opts;
  let seq = 0;
  let phase: "warmup" | "resetting" | "measure" | "done" = "warmup";
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const samples: string[] = [];
  let served = 0;
  let bytes = 0;
  let okCount = 0;
  let windowStart = 0;
  let windowEnd = 0;
  let inflight = 0;

  async function one(): Promise<void> {
    const req = opts.next(seq++);
    // Requests started while the statistics are being reset would straddle it: not counted anywhere.
    const counted = phase === "measure";
    if (counted) served++;
    inflight++;
    const t0 = performance.now();
    let status = "network";
    let size = 0;
    let body = "";
    try {
      const res = await fetch(req.url, { headers: req.headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
      status = String(res.status);
      const buf = await res.arrayBuffer();
      size = buf.byteLength;
      if (!res.ok && samples.length < 5) body = new TextDecoder().decode(buf.slice(0, 300));
    } catch (error) {
      body = String(error).slice(0, 300);
    }
    const t1 = performance.now();
    inflight--;
    // Only answers that both started and ended inside the window make the latency and rate figures.
    if (!counted || t1 > windowEnd) return;
    latencies.push(t1 - t0);
    if (status.startsWith("2")) {
      okCount++;
      bytes += size;
    } else {
      errors.set(status, (errors.get(status) ?? 0) + 1);
      if (samples.length < 5) samples.push(`${status} ${req.url.slice(0, 120)} → ${body}`);
    }
  }

  async function client(): Promise<void> {
    while (phase !== "done") {
      if (phase === "resetting") {
        await Bun.sleep(1);
        continue;
      }
      await one();
    }
  }

  windowEnd = Infinity;
  const clients = Array.from({ length: concurrency }, client);
  await Bun.sleep(opts.warmupSeconds * 1000);
  if (opts.beforeMeasure) {
    // Let in-flight warm-up requests drain so no query of theirs lands after the reset.
    phase = "resetting";
    for (let waited = 0; inflight > 0 && waited < 60_000; waited += 2) await Bun.sleep(2);
    await opts.beforeMeasure();
  }
  const cpu0 = cpuTicks();
  const own0 = process.cpuUsage();
  windowStart = performance.now();
  windowEnd = windowStart + opts.seconds * 1000;
  phase = "measure";
  await Bun.sleep(opts.seconds * 1000);
  const cpu1 = cpuTicks();
  const own1 = process.cpuUsage();
  phase = "done";
  await Promise.all(clients);

  const elapsed = (windowEnd - windowStart) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const ownUs = own1.user + own1.system - (own0.user + own0.system);
  let errorCount = 0;
  for (const n of errors.values()) errorCount += n;
  return {
    concurrency,
    n: latencies.length,
    served,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors,
    errorCount,
    bytes: okCount ? bytes / okCount : 0,
    cpu: {
      machine: cpu1.total > cpu0.total ? (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total) : NaN,
      client: ownUs / (elapsed * 1e6 * navigator.hardwareConcurrency),
    },
    samples,
  };
}
