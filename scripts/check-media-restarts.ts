// `bun scripts/check-media-restarts.ts [DATA_DIR]`: starts the dev server (embedded PGlite, s3rver, the seed) on a fresh
// data directory, stops it, then restarts it twice: every stored media URL must serve its exact bytes each time.
import { openPglite } from "../src/db/client";
const dir = process.argv[2] ?? (await import("node:fs")).mkdtempSync("/tmp/vrss-restart-");
async function start(): Promise<ReturnType<typeof Bun.spawn>> {
  const p = Bun.spawn(["bun", "src/index.ts"], { cwd: new URL("..", import.meta.url).pathname, env: { ...process.env, DATA_DIR: dir, PORT: "3999", LOG_LEVEL: "warn" }, stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 600; i++) {
    try { if ((await fetch("http://127.0.0.1:3999/ready")).status === 200) return p; } catch {}
    await Bun.sleep(100);
  }
  throw new Error("not ready");
}
async function stop(p: ReturnType<typeof Bun.spawn>) { p.kill("SIGTERM"); await p.exited; }
let p = await start(); await stop(p);
const db = await openPglite(dir);
const rows = await db.sql<{ url: string; size: number }[]>`
  SELECT file_url AS url, file_size_bytes::int AS size FROM post_media
  UNION ALL SELECT file_url, size_bytes::int FROM upload_reservations WHERE status IN ('confirmed','attached') AND file_url IS NOT NULL`;
await db.close();
const urls = [...new Map(rows.map((r) => [r.url, r.size])).entries()];
console.log(`stored media URLs: ${urls.length}; bases: ${[...new Set(urls.map(([u]) => u.replace(/\/media\/.*/, "/media/…")))].join(", ")}`);
for (const round of [1, 2]) {
  p = await start();
  let okCount = 0; const bad: string[] = [];
  for (const [url, size] of urls) {
    const res = await fetch(url);
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status === 200 && body.length === size) okCount++; else bad.push(`${res.status} ${body.length}/${size} ${url}`);
  }
  console.log(`restart ${round}: ${okCount}/${urls.length} URLs serve their exact bytes${bad.length ? `; bad: ${bad.slice(0, 3).join(" | ")}` : ""}`);
  await stop(p);
}
