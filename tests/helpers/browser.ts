// Browser tests: a headless Chromium driven by puppeteer-core (over its DevTools WebSocket, which
// works under Bun's test runner), and a tiny static "frontend" origin — a second Bun.serve on a
// random loopback port — whose page talks to a VRSS server on another origin, as a real frontend
// does: CORS preflights, a Bearer token, a presigned PUT to the bucket, an <img> of the result.
//
// No browser is downloaded: the executable is TEST_CHROMIUM_PATH, else Debian's /usr/bin/chromium
// (`bash .ci/chromium.sh` installs it). With neither, `chromiumPath()` is null and the tests skip.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type CDPSession, type Page } from "puppeteer-core";
import { env } from "../../src/env";

const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** The Chromium to drive, or null (with the reason in `chromiumMissing`) when there is none. */
export function chromiumPath(): string | null {
  const path = env.TEST_CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
  return existsSync(path) ? path : null;
}

export const chromiumMissing = (): string =>
  env.TEST_CHROMIUM_PATH
    ? `TEST_CHROMIUM_PATH=${env.TEST_CHROMIUM_PATH} does not exist`
    : `no Chromium at ${DEFAULT_CHROMIUM} and TEST_CHROMIUM_PATH unset (bash .ci/chromium.sh installs Debian's)`;

/** Flags for a root user in a container: no sandbox, no GPU, nothing phoning home. */
const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  browser: Browser;
  /** A new tab with short timeouts (a hang fails the test well inside its 30 s). */
  newPage(): Promise<Page>;
  /** Closes the browser (killing it by pid if it does not go) and removes its profile. */
  close(): Promise<void>;
}

export async function launchBrowser(executablePath: string): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), "vrss-chromium-"));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      userDataDir,
      args: CHROMIUM_ARGS,
      pipe: false, // the WebSocket transport; Bun's pipes to a child's extra fds are less dependable
      timeout: 20_000,
      protocolTimeout: 20_000,
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const pid = browser.process()?.pid;
  return {
    browser,
    async newPage() {
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      return page;
    },
    async close() {
      try {
        await Promise.race([browser.close(), new Promise((_, reject) => setTimeout(() => reject(new Error("browser.close timed out")), 10_000))]);
      } catch {
        // Only the Chromium we started, by its pid.
        if (pid !== undefined) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {}
        }
      }
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface StaticOrigin {
  /** e.g. http://127.0.0.1:41234 — what goes into ALLOWED_ORIGINS. */
  origin: string;
  /** Paths requested so far. */
  hits: string[];
  stop(): Promise<void>;
}

/** A static server on 127.0.0.1 (random port) serving `files` by path; 404 for anything else. */
export function startStaticOrigin(files: Record<string, { body: string | Uint8Array; type: string }>): StaticOrigin {
  const hits: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      hits.push(path);
      const file = files[path];
      if (!file) return new Response("not found", { status: 404 });
      return new Response(file.body, { headers: { "content-type": file.type, "cache-control": "no-store" } });
    },
  });
  return {
    origin: `http://127.0.0.1:${server.port}`,
    hits,
    stop: () => server.stop(true),
  };
}

/** What the upload page reports: how far it got, and what it saw at each step. */
export interface UploadReport {
  origin: string;
  /** The step that failed, or "done". */
  stage: "createUpload" | "put" | "confirmUpload" | "img" | "done";
  /** The failure: e.g. `TypeError: Failed to fetch` when CORS refused a call. */
  error: string | null;
  errorName: string | null;
  pngBytes: number;
  createStatus: number | null;
  created: { uploadId: string; uploadUrl: string; method: string; headers: Record<string, string>; fileKey: string } | null;
  putStatus: number | null;
  confirmStatus: number | null;
  confirmed: { uploadId: string; status: string; sizeBytes: number; url: string; width: number; height: number; mimeType: string } | null;
  naturalWidth: number | null;
  naturalHeight: number | null;
}

export interface UploadOptions {
  /** The VRSS server, another origin than the page's. */
  api: string;
  token: string;
  width: number;
  height: number;
}

/**
 * The frontend: one page whose script, given the VRSS server and a session token, makes a PNG with
 * a canvas, calls media.createUpload (POST, JSON, `Authorization: Bearer` — so the browser sends a
 * CORS preflight first), PUTs the PNG to the presigned URL with the returned headers (the browser
 * sets Content-Length itself from the Blob; Content-Type and Cache-Control make it preflight the
 * bucket), calls media.confirmUpload and shows the returned URL in an <img>, reporting its natural
 * size once it loads. `window.vrssUpload(options)` resolves to an UploadReport and never rejects.
 */
export const UPLOAD_PAGE_HTML = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>VRSS upload test page</title><link rel="icon" href="data:,">
<style>body { font: 14px sans-serif; margin: 16px } img { display: block; border: 1px solid #888; margin: 8px 0 } pre { white-space: pre-wrap; word-break: break-all }</style>
</head>
<body>
<h1>VRSS upload</h1>
<div id="out"></div>
<pre id="report"></pre>
<script>
async function rpc(api, token, path, input) {
  const res = await fetch(api + "/api/rpc/" + path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer " + token },
    body: JSON.stringify(input),
  });
  const body = await res.json().catch(() => null);
  return { status: res.status, data: body && body.result ? body.result.data : null, body };
}

function makePng(width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext("2d");
  g.fillStyle = "#c8285a";
  g.fillRect(0, 0, width, height);
  g.fillStyle = "#ffffff";
  g.fillRect(width / 4, height / 4, width / 2, height / 2);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("toBlob gave nothing"))), "image/png"));
}

function loadImage(url, ms) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    const timer = setTimeout(() => reject(new Error("image did not load in " + ms + " ms")), ms);
    img.onload = () => { clearTimeout(timer); resolve(img); };
    img.onerror = () => { clearTimeout(timer); reject(new Error("image failed to load: " + url)); };
    img.alt = "uploaded";
    img.src = url;
    document.getElementById("out").appendChild(img);
  });
}

// Only the PUT, to a presigned upload made elsewhere (to try the bucket's CORS rule on its own).
window.vrssPut = async function ({ uploadUrl, method, headers, width, height }) {
  try {
    const png = await makePng(width, height);
    const res = await fetch(uploadUrl, { method, headers, body: png });
    return { status: res.status, error: null, errorName: null };
  } catch (error) {
    return { status: null, error: String(error), errorName: error && error.name ? error.name : null };
  }
};

window.vrssUpload = async function ({ api, token, width, height }) {
  const report = {
    origin: location.origin, stage: "createUpload", error: null, errorName: null, pngBytes: 0,
    createStatus: null, created: null, putStatus: null, confirmStatus: null, confirmed: null,
    naturalWidth: null, naturalHeight: null,
  };
  try {
    const png = await makePng(width, height);
    report.pngBytes = png.size;

    const created = await rpc(api, token, "media.createUpload", { fileName: "canvas.png", mimeType: "image/png", sizeBytes: png.size });
    report.createStatus = created.status;
    if (created.status !== 200) throw new Error("createUpload answered " + created.status + ": " + JSON.stringify(created.body));
    report.created = created.data;

    report.stage = "put";
    const put = await fetch(created.data.uploadUrl, { method: created.data.method, headers: created.data.headers, body: png });
    report.putStatus = put.status;
    if (!put.ok) throw new Error("PUT answered " + put.status + ": " + (await put.text()).slice(0, 500));

    report.stage = "confirmUpload";
    const confirmed = await rpc(api, token, "media.confirmUpload", { uploadId: created.data.uploadId });
    report.confirmStatus = confirmed.status;
    if (confirmed.status !== 200) throw new Error("confirmUpload answered " + confirmed.status + ": " + JSON.stringify(confirmed.body));
    report.confirmed = confirmed.data;

    report.stage = "img";
    const img = await loadImage(confirmed.data.url, 10000);
    report.naturalWidth = img.naturalWidth;
    report.naturalHeight = img.naturalHeight;
    report.stage = "done";
  } catch (error) {
    report.error = String(error);
    report.errorName = error && error.name ? error.name : null;
  }
  document.getElementById("report").textContent = JSON.stringify(report, null, 2);
  return report;
};
</script>
</body>
</html>
`;

/** Runs the page's upload in `page` (already on an upload page). */
export function runUpload(page: Page, options: UploadOptions): Promise<UploadReport> {
  return page.evaluate((o) => (globalThis as unknown as { vrssUpload(o: UploadOptions): Promise<UploadReport> }).vrssUpload(o), options);
}

/** Runs only the page's PUT of a canvas PNG to `upload` (a createUpload answer obtained elsewhere). */
export function runPut(
  page: Page,
  upload: { uploadUrl: string; method: string; headers: Record<string, string>; width: number; height: number },
): Promise<{ status: number | null; error: string | null; errorName: string | null }> {
  return page.evaluate(
    (u) => (globalThis as unknown as { vrssPut(u: unknown): Promise<{ status: number | null; error: string | null; errorName: string | null }> }).vrssPut(u),
    upload,
  );
}

/** One request as the DevTools protocol saw it, CORS preflights included. */
export interface SeenRequest {
  requestId: string;
  url: string;
  method: string;
  /** "Preflight" for a CORS preflight, else "Fetch", "Image", "Document", … */
  type: string;
  status: number | null;
  responseHeaders: Record<string, string>;
  failed: string | null;
  corsError: string | null;
}

/**
 * The first request matching `match` once it has an answer or has failed. DevTools events arrive
 * asynchronously: the page may see fetch reject before the protocol reports why, so wait (≤ ms).
 */
export async function settled(requests: SeenRequest[], match: (r: SeenRequest) => boolean, ms = 3_000): Promise<SeenRequest | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = requests.find(match);
    if ((found && (found.status !== null || found.failed !== null)) || Date.now() > deadline) return found;
    await Bun.sleep(20);
  }
}

/**
 * Records every request of `page` through the DevTools protocol — including CORS preflights,
 * which puppeteer's own request events do not report.
 */
export async function watchNetwork(page: Page): Promise<{ requests: SeenRequest[]; session: CDPSession }> {
  const session = await page.createCDPSession();
  const requests: SeenRequest[] = [];
  const byId = new Map<string, SeenRequest>();
  session.on("Network.requestWillBeSent", (e) => {
    // A preflight's requestWillBeSent carries no type; its responseReceived says "Preflight".
    const seen: SeenRequest = {
      requestId: e.requestId, url: e.request.url, method: e.request.method, type: e.type ?? (e.request.method === "OPTIONS" ? "Preflight" : "Other"),
      status: null, responseHeaders: {}, failed: null, corsError: null,
    };
    byId.set(e.requestId, seen);
    requests.push(seen);
  });
  session.on("Network.responseReceived", (e) => {
    const seen = byId.get(e.requestId);
    if (!seen) return;
    seen.type = e.type;
    seen.status = e.response.status;
    seen.responseHeaders = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  });
  session.on("Network.loadingFailed", (e) => {
    const seen = byId.get(e.requestId);
    if (!seen) return;
    seen.type = e.type;
    seen.failed = e.errorText;
    seen.corsError = e.corsErrorStatus?.corsError ?? null;
  });
  await session.send("Network.enable");
  return { requests, session };
}

/**
 * A real mouse click at the centre of `selector` (scrolled into the middle of the viewport first),
 * as a user's: the browser hit-tests the point, so whatever is painted on top there gets it. Returns
 * what a capture listener on the document saw as event.target: its id, else its tag and classes
 * ("(no click)" when no click event arrived).
 */
export async function clickAtCentre(page: Page, selector: string): Promise<string> {
  // Plain JS (the tests' TypeScript has no DOM lib).
  const centre = (await page.evaluate(`((sel) => {
    if (!window.vrssClicks) {
      const clicks = [];
      window.vrssClicks = clicks;
      document.addEventListener("click", (e) => {
        const t = e.target;
        clicks.push(t && t.id ? t.id : t && t.tagName ? t.tagName.toLowerCase() + "." + [...t.classList].join(".") : "(none)");
        e.preventDefault(); // a link under the point must not navigate away
      }, true);
    }
    const el = document.querySelector(sel);
    if (!el) return null;
    el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
    const r = el.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2, before: window.vrssClicks.length };
  })(${JSON.stringify(selector)})`)) as { x: number; y: number; before: number } | null;
  if (!centre) throw new Error(`clickAtCentre: no ${selector}`);
  await page.mouse.click(centre.x, centre.y);
  return (await page.evaluate(`window.vrssClicks[${centre.before}] ?? "(no click)"`)) as string;
}
