// A real browser uploads media from a frontend on another origin: headless Chromium opens a page
// served by a static server on 127.0.0.1 (an origin in the VRSS server's ALLOWED_ORIGINS); the page
// makes a PNG with a canvas, calls media.createUpload with `Authorization: Bearer` (a CORS
// preflight, then the POST), PUTs the PNG to the presigned URL (the bucket's own CORS rule), calls
// media.confirmUpload and loads the returned URL in an <img>. A second static server, on an origin
// NOT in ALLOWED_ORIGINS, runs the same page and is refused at the first call — and by the bucket.
// Against the embedded store (objects served by the app at /media) and, with TEST_S3_ENDPOINT, the
// real S3 (its CORS rule applied at start, S3_CONFIGURE_BUCKET).
//
// Needs Chromium (TEST_CHROMIUM_PATH, else /usr/bin/chromium; `bash .ci/chromium.sh`): without it
// the file skips and says so. Screenshots of the finished page go to /tmp/vrss-browser-upload-*.png.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import type { Page } from "puppeteer-core";
import type { RunningServer } from "../../src/server";
import {
  chromiumMissing, chromiumPath, launchBrowser, runPut, runUpload, settled, startStaticOrigin, UPLOAD_PAGE_HTML, watchNetwork,
  type StaticOrigin, type TestBrowser,
} from "../helpers/browser";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createUserWithToken } from "../helpers/factories";
import { ok, rpc, startTestServer, type StoreKind, storeKinds } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const chromium = chromiumPath();
if (!chromium) console.warn(`[browser] ${chromiumMissing()}: browser tests skipped`);

const page = { "/": { body: UPLOAD_PAGE_HTML, type: "text/html; charset=utf-8" } };

describe.skipIf(!chromium)("media upload from a browser on another origin", () => {
  // One browser and two frontends for the file; a database and a server per store kind.
  const shared = {} as { allowed: StaticOrigin; refused: StaticOrigin; browser: TestBrowser };
  beforeAll(async () => {
    shared.allowed = startStaticOrigin(page);
    shared.refused = startStaticOrigin(page);
    shared.browser = await launchBrowser(chromium!);
  }, 60_000);
  afterAll(async () => {
    await shared.browser?.close();
    await shared.allowed?.stop();
    await shared.refused?.stop();
  });

  for (const kind of storeKinds) describe(`${kind} store`, () => browserCases(kind, shared));
});

function browserCases(kind: StoreKind, shared: { allowed: StaticOrigin; refused: StaticOrigin; browser: TestBrowser }) {
  const ctx = {} as { t: TestDatabase; s: RunningServer; allowed: StaticOrigin; refused: StaticOrigin; browser: TestBrowser };
  const userIds: string[] = [];
  beforeAll(async () => {
    Object.assign(ctx, shared);
    ctx.t = await createTestDatabase();
    // On a shared real bucket, user ids far from any other run's keep this run's keys (users/{id}/…) apart.
    if (kind === "s3") await ctx.t.sql.unsafe(`ALTER SEQUENCE users_id_seq RESTART WITH ${1e11 + Math.floor(Math.random() * 8e11)}`);
    // The allowed frontend's origin is the server's only ALLOWED_ORIGINS (and the bucket's CORS rule).
    ctx.s = await startTestServer(ctx.t, { ALLOWED_ORIGINS: ctx.allowed.origin }, { store: kind });
  }, 60_000);
  afterAll(async () => {
    if (ctx.s && kind === "s3") {
      const keys: string[] = [];
      for (const id of userIds) for await (const o of ctx.s.deps.media.list(`users/${id}/`)) keys.push(o.key);
      for (const key of keys) await ctx.s.deps.media.delete(key).catch(() => {});
    }
    await ctx.s?.stop();
    await ctx.t?.close();
  });

  const newUser = async () => {
    const user = await createUserWithToken(ctx.t.sql);
    userIds.push(user.id);
    return user;
  };

  const reservations = async (userId: string) =>
    (await ctx.t.sql<{ status: string; size_bytes: string }[]>`SELECT status, size_bytes FROM upload_reservations WHERE user_id = ${userId}`)
      .map((r) => ({ status: r.status, sizeBytes: Number(r.size_bytes) }));

  async function open(origin: StaticOrigin): Promise<{ tab: Page; network: Awaited<ReturnType<typeof watchNetwork>> }> {
    const tab = await ctx.browser.newPage();
    const network = await watchNetwork(tab);
    await tab.goto(`${origin.origin}/`, { waitUntil: "load" });
    return { tab, network };
  }

  test("an allowed origin uploads a PNG, confirms it and shows it in an <img>", async () => {
    const user = await newUser();
    const { tab, network } = await open(ctx.allowed);
    try {
      const report = await runUpload(tab, { api: ctx.s.url, token: user.token, width: 321, height: 123 });
      await tab.screenshot({ path: `/tmp/vrss-browser-upload-${kind}.png`, fullPage: true }).catch(() => {});
      // Everything the page saw, so a failure says at which step and why.
      expect({ stage: report.stage, error: report.error }).toEqual({ stage: "done", error: null });

      // The preflight of createUpload succeeded, for this origin, and the POST reached the server.
      const rpcUrl = `${ctx.s.url}/api/rpc/media.createUpload`;
      const preflight = await settled(network.requests, (r) => r.type === "Preflight" && r.url === rpcUrl);
      expect(preflight).toBeDefined();
      expect(preflight!.status).toBeGreaterThanOrEqual(200);
      expect(preflight!.status).toBeLessThan(300);
      expect(preflight!.responseHeaders["access-control-allow-origin"]).toBe(ctx.allowed.origin);
      expect(report.createStatus).toBe(200);
      const post = await settled(network.requests, (r) => r.type !== "Preflight" && r.method === "POST" && r.url === rpcUrl);
      expect(post?.status).toBe(200);

      // The bucket's CORS rule let this origin PUT (Content-Type and Cache-Control make it preflight).
      // s3rver answers a matched preflight with `*` whatever the rule says, S3 with the origin; the
      // PUT's own answer names the origin on both.
      const uploadUrl = report.created!.uploadUrl;
      const putPreflight = await settled(network.requests, (r) => r.type === "Preflight" && r.url === uploadUrl);
      expect([ctx.allowed.origin, "*"]).toContain(putPreflight?.responseHeaders["access-control-allow-origin"] ?? "(none)");
      const putSeen = await settled(network.requests, (r) => r.type !== "Preflight" && r.method === "PUT" && r.url === uploadUrl);
      expect(putSeen?.responseHeaders["access-control-allow-origin"]).toBe(ctx.allowed.origin);
      // The PUT stored the object: confirm saw its real size and dimensions.
      expect(report.putStatus).toBe(200);
      expect(report.pngBytes).toBeGreaterThan(0);
      expect(report.confirmed).toMatchObject({ uploadId: report.created!.uploadId, mimeType: "image/png", sizeBytes: report.pngBytes, width: 321, height: 123 });
      expect(["confirmed", "attached"]).toContain(report.confirmed!.status);
      expect(await ctx.s.deps.media.head(report.created!.fileKey)).toMatchObject({ size: report.pngBytes, contentType: "image/png" });
      expect(await reservations(user.id)).toEqual([{ status: "confirmed", sizeBytes: report.pngBytes }]);

      // The <img> loaded the public URL with the PNG's real size (the embedded store's objects
      // through the app's own origin, GET /media).
      if (kind === "embedded") expect(report.confirmed!.url).toStartWith(`${ctx.s.url}/media/`);
      expect({ naturalWidth: report.naturalWidth, naturalHeight: report.naturalHeight }).toEqual({ naturalWidth: 321, naturalHeight: 123 });
      const image = await settled(network.requests, (r) => r.type === "Image" && r.url === report.confirmed!.url);
      expect(image?.status).toBe(200);
    } finally {
      await tab.close().catch(() => {});
    }
  });

  test("an origin not in ALLOWED_ORIGINS is refused at the CORS step", async () => {
    const user = await newUser();
    const { tab, network } = await open(ctx.refused);
    try {
      const report = await runUpload(tab, { api: ctx.s.url, token: user.token, width: 64, height: 32 });
      // fetch rejects (a network error, no response to read) at the very first call.
      expect({ origin: report.origin, stage: report.stage, errorName: report.errorName, createStatus: report.createStatus })
        .toEqual({ origin: ctx.refused.origin, stage: "createUpload", errorName: "TypeError", createStatus: null });
      // The browser stopped at the preflight: it did not grant this origin, and no POST followed.
      const rpcUrl = `${ctx.s.url}/api/rpc/media.createUpload`;
      const preflight = await settled(network.requests, (r) => r.type === "Preflight" && r.url === rpcUrl);
      expect(preflight).toBeDefined();
      expect(preflight!.responseHeaders["access-control-allow-origin"]).not.toBe(ctx.refused.origin);
      expect(preflight!.responseHeaders["access-control-allow-origin"]).not.toBe("*");
      // Chromium reports the POST it never sent as failed with a Preflight… CORS error.
      const post = await settled(network.requests, (r) => r.type !== "Preflight" && r.method === "POST" && r.url === rpcUrl);
      expect(post?.status ?? null).toBeNull();
      if (post) expect(post.corsError ?? "").toStartWith("Preflight");
      expect(await reservations(user.id)).toEqual([]);
    } finally {
      await tab.close().catch(() => {});
    }
  });

  test("the bucket refuses a PUT from an origin not in ALLOWED_ORIGINS", async () => {
    // A presigned upload obtained outside the browser (no Origin): only the bucket's rule is on trial.
    const user = await newUser();
    const created = ok(await rpc(ctx.s.url, "media.createUpload", { fileName: "x.png", mimeType: "image/png", sizeBytes: 10_000 }, { token: user.token }));
    const { tab, network } = await open(ctx.refused);
    try {
      const put = await runPut(tab, { ...created, width: 64, height: 32 });
      expect(put).toMatchObject({ status: null, errorName: "TypeError" });
      const preflight = await settled(network.requests, (r) => r.type === "Preflight" && r.url === created.uploadUrl);
      expect(preflight).toBeDefined();
      expect(preflight!.responseHeaders["access-control-allow-origin"]).not.toBe(ctx.refused.origin);
      expect(await ctx.s.deps.media.head(created.fileKey)).toBeNull();
    } finally {
      await tab.close().catch(() => {});
    }
  });
}
