// Issue 15: GET /ready answers within 1 s whatever the database does, and names it when it fails.
// A throwaway PostgreSQL cluster of our own (pg_createcluster, a free port) that the test freezes
// (SIGSTOP: connections open, no answer — the timeout path) and stops with -m immediate (refused),
// then brings back: /ready is 503 `unavailable` with `database.ok: false` within 1 s, 200 again
// once the database is back. Needs root (pg_createcluster); skipped otherwise, saying so.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "bun";
import { existsSync, readFileSync } from "node:fs";
import postgres from "postgres";
import { connectPostgres, type Database } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import type { RunningServer } from "../../src/server";
import { startTestServer } from "../helpers/server";
import { waitUntil } from "./process";

setDefaultTimeout(30_000); // see tests/setup.ts

const VERSION = "15";
// Named after this process and on a free port: other checkouts run this file at the same time.
const CLUSTER = `vrss_ready_${process.pid}`;
const PORT = freePort();
const usable = process.getuid?.() === 0 && existsSync("/usr/bin/pg_createcluster") && existsSync(`/usr/lib/postgresql/${VERSION}/bin/postgres`);
if (!usable) console.warn("[ready.test] skipped: needs root and PostgreSQL 15's pg_createcluster (a throwaway cluster)");

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

const sh = (cmd: string[], allowFail = false) => {
  const r = spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 && !allowFail) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
};
const dropCluster = (name = CLUSTER) => sh(["pg_dropcluster", "--stop", VERSION, name], true);
/** Clusters of earlier runs of this file whose process is gone (killed mid-run). */
const dropOrphans = () => {
  for (const line of sh(["pg_lsclusters", "-h"], true).split("\n")) {
    const name = line.trim().split(/\s+/)[1] ?? "";
    const pid = /^vrss_ready_(\d+)$/.exec(name)?.[1];
    if (!pid) continue;
    let alive = true;
    try {
      process.kill(Number(pid), 0);
    } catch {
      alive = false;
    }
    if (!alive) dropCluster(name);
  }
};
const isUp = () => spawnSync(["pg_isready", "-q", "-h", "127.0.0.1", "-p", String(PORT)]).exitCode === 0;
/** The postmaster and its children (backends included): what SIGSTOP freezes. */
const clusterPids = (): string[] => {
  const master = readFileSync(`/var/lib/postgresql/${VERSION}/${CLUSTER}/postmaster.pid`, "utf8").split("\n")[0]!.trim();
  return [master, ...sh(["pgrep", "-P", master], true).split("\n").map((s) => s.trim()).filter(Boolean)];
};

async function timedReady(s: RunningServer): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${s.url}/ready`);
  const body = await res.json();
  return { status: res.status, body, ms: Math.round(performance.now() - started) };
}

describe.skipIf(!usable)("/ready with the database down", () => {
  const url = `postgres://postgres@127.0.0.1:${PORT}/postgres`;
  let database: Database;
  let s: RunningServer;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    dropOrphans();
    sh(["pg_createcluster", VERSION, CLUSTER, "-p", String(PORT), "--", "--auth=trust"]);
    sh(["pg_ctlcluster", VERSION, CLUSTER, "start"]);
    await waitUntil(isUp, 10_000, "the throwaway cluster");
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await migrate(admin);
    } finally {
      await admin.end();
    }
    database = connectPostgres(url, { max: 4 });
    s = await startTestServer({ ...database, url, directUrl: url });
  }, 60_000);
  afterAll(async () => {
    try {
      for (const pid of clusterPids()) spawnSync(["kill", "-CONT", pid]);
    } catch {} // never started, or already gone
    await s?.stop();
    await database?.close().catch(() => {});
    dropCluster();
    console.log(`ready figures (ms): ${JSON.stringify(figures)}`);
  });

  test("frozen (no answer): 503 within 1 s naming the database; 200 again once thawed", async () => {
    const up = await timedReady(s);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ status: "ready", database: { ok: true, kind: "postgres" } });
    const pids = clusterPids();
    for (const pid of pids) sh(["kill", "-STOP", pid]);
    let down: Awaited<ReturnType<typeof timedReady>>;
    try {
      down = await timedReady(s);
    } finally {
      for (const pid of pids) sh(["kill", "-CONT", pid]);
    }
    expect(down.status).toBe(503);
    expect(down.body.status).toBe("unavailable");
    expect(down.body.database.ok).toBe(false);
    expect(down.body.database.error).toContain("no answer");
    expect(down.ms).toBeLessThan(1_000);
    figures.frozen = down.ms;
    await waitUntil(async () => (await timedReady(s)).status === 200, 10_000, "/ready 200 after the thaw");
  });

  test("stopped (refused): 503 within 1 s, no URL or password in the answer; 200 again once restarted", async () => {
    sh(["pg_ctlcluster", VERSION, CLUSTER, "stop", "-m", "immediate"]);
    try {
      const down = await timedReady(s);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: "unavailable", database: { ok: false } });
      expect(typeof down.body.database.error).toBe("string");
      expect(JSON.stringify(down.body)).not.toMatch(/postgres:\/\/|password/i);
      expect(down.ms).toBeLessThan(1_000);
      figures.stopped = down.ms;
    } finally {
      sh(["pg_ctlcluster", VERSION, CLUSTER, "start"]);
    }
    const back = performance.now();
    await waitUntil(async () => (await timedReady(s)).status === 200, 10_000, "/ready 200 after the restart");
    figures.backAfterRestart = Math.round(performance.now() - back);
  });
});
