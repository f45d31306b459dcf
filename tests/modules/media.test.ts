// Media over real HTTP: media.createUpload (allow-lists, per-type maxima, quota reservations),
// a real PUT of real bytes to the presigned URL (on the embedded s3rver, and on the real S3 of
// TEST_S3_* when it is set: every case runs once per store kind),
// media.confirmUpload (size, magic bytes, sharp's real dimensions and thumbnail; every refusal
// deletes the object), attaching to posts (confirm with postId, or post.create's uploadIds),
// quota under concurrency (parallel calls and one tRPC batch), media.delete, the housekeeping jobs
// (reservation expiry, abandoned uploads, orphaned media, the bucket sweep), profile backgrounds,
// GET /media (what a confirmed upload's public URL serves), the bucket's CORS rule, a store outage
// (503 STORAGE_UNAVAILABLE, nothing reserved) and the start-up rewrite of dead embedded-store URLs.
//
// s3rver does NOT enforce the signed Content-Length / Content-Type of a presigned PUT
// (MediaStore.enforcesPresignedConditions is false): a client can PUT more bytes, or another
// Content-Type, than it declared; there the server-side checks in confirmUpload are what catch it.
// A real S3 refuses such a PUT with 403 (the cases branch on enforcesPresignedConditions);
// tests/modules/media-s3.test.ts covers the rest of what only a real S3 enforces.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { cleanupOrphanedMedia, expireReservations } from "../../src/jobs/media-jobs";
import type { MediaStore } from "../../src/lib/s3";
import { IMMUTABLE_CACHE_CONTROL } from "../../src/lib/s3";
import { thumbnailKey } from "../../src/modules/media/media.rules";
import { rewriteEmbeddedMediaUrls } from "../../src/modules/media/media.urls";
import { logger } from "../../src/lib/logger";
import { type RunningServer, startServer } from "../../src/server";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";
import { addMedia, createPost, createUserWithToken } from "../helpers/factories";
import { type Authed, callersOf, expectErrorData as expectError, ok, rpc, startTestServer, type StoreKind, storeKinds, testEnv } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const MB = 1024 * 1024;
const FREE_QUOTA = 52_428_800;
const DAY = 86_400_000;


// ── real files ──────────────────────────────────────────────────────────────────────────────────
const bg = { r: 200, g: 40, b: 90 };
const bytesOf = async (b: Promise<Buffer>) => new Uint8Array(await b);
const png = (w: number, h: number) => bytesOf(sharp({ create: { width: w, height: h, channels: 3, background: bg } }).png().toBuffer());
const jpeg = (w: number, h: number) => bytesOf(sharp({ create: { width: w, height: h, channels: 3, background: bg } }).jpeg().toBuffer());
const webp = (w: number, h: number) => bytesOf(sharp({ create: { width: w, height: h, channels: 3, background: bg } }).webp().toBuffer());
/** Random pixels: a PNG that does not compress (big enough for range requests). */
const noisyPng = (w: number, h: number) =>
  bytesOf(sharp({ create: { width: w, height: h, channels: 3, background: bg, noise: { type: "gaussian", mean: 128, sigma: 60 } } }).png().toBuffer());
const gif = (w: number, h: number) => bytesOf(sharp({ create: { width: w, height: h, channels: 3, background: bg } }).gif().toBuffer());

/** A valid PCM WAV of exactly `total` bytes (RIFF header + 16-bit mono samples); file-type says audio/wav. */
function wav(total = 2_044): Uint8Array {
  const out = Buffer.alloc(total);
  const dataLen = total - 44;
  out.write("RIFF", 0, "latin1");
  out.writeUInt32LE(total - 8, 4);
  out.write("WAVE", 8, "latin1");
  out.write("fmt ", 12, "latin1");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(8_000, 24);
  out.writeUInt32LE(16_000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "latin1");
  out.writeUInt32LE(dataLen, 40);
  return new Uint8Array(out);
}

/** A real 2 s, 160x90 H.264 MP4 (assets/seed/tiny.mp4, 2,363 bytes), grown to `total` bytes with a trailing `free` box. */
const TINY_MP4 = new Uint8Array(readFileSync(join(import.meta.dir, "../../assets/seed/tiny.mp4")));
function mp4(total = TINY_MP4.length): Uint8Array {
  if (total === TINY_MP4.length) return TINY_MP4;
  const out = Buffer.alloc(total);
  out.set(TINY_MP4);
  out.writeUInt32BE(total - TINY_MP4.length, TINY_MP4.length);
  out.write("free", TINY_MP4.length + 4, "latin1");
  return new Uint8Array(out);
}

const text = (s: string) => new TextEncoder().encode(s);
const HTML = text("<!doctype html><html><head><script>alert(document.cookie)</script></head><body>hi</body></html>");
const SVG = text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');

// ── the flow ────────────────────────────────────────────────────────────────────────────────────
interface Created {
  uploadId: string;
  uploadUrl: string;
  method: "PUT";
  headers: Record<string, string>;
  fileKey: string;
  expiresAt: string;
}

/** The status of a GET for this exact request target, sent over a raw socket (fetch would normalize it). */
async function rawStatus(baseUrl: string, target: string): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  const reply = await new Promise<string>((resolve, reject) => {
    let text = "";
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    });
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => { text += chunk; });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
}

for (const kind of storeKinds) describe(`${kind} store`, () => mediaCases(kind));

/** Every media case, against one store kind (a fresh database and server for each). */
function mediaCases(kind: StoreKind) {
  // ── one database and one server (with its own s3rver, or on the real S3) per store kind ────────
  const ctx = {} as { t: TestDatabase; s: RunningServer };
  const userIds: string[] = [];
  beforeAll(async () => {
    ctx.t = await createTestDatabase();
    // Keys are users/{id}/…: on a shared real bucket, ids far from any other run's keep this run's
    // objects apart (and the cleanup below to them).
    if (kind === "s3") await ctx.t.sql.unsafe(`ALTER SEQUENCE users_id_seq RESTART WITH ${1e11 + Math.floor(Math.random() * 8e11)}`);
    ctx.s = await startTestServer(ctx.t, {}, { store: kind });
  }, 60_000);
  afterAll(async () => {
    // Free what the tests stored (the big quota tests write ~50 MB): the whole throwaway embedded
    // store, or this run's users' keys on the real one.
    if (ctx.s) {
      const keys: string[] = [];
      for (const prefix of kind === "embedded" ? [""] : userIds.map((id) => `users/${id}/`)) {
        for await (const o of ctx.s.deps.media.list(prefix)) keys.push(o.key);
      }
      for (const key of keys) await ctx.s.deps.media.delete(key).catch(() => {});
    }
    await ctx.s?.stop();
    await ctx.t?.close();
  });

  const store = (): MediaStore => ctx.s.deps.media;
  const callers = callersOf(ctx);
  const { mutate, query } = callers;
  const user = async (...args: Parameters<typeof callers.user>) => {
    const u = await callers.user(...args);
    userIds.push(u.id);
    return u;
  };
  /** A real S3 refuses a PUT that breaks the signed length or type; s3rver stores it. */
  const strict = () => store().enforcesPresignedConditions;


  async function createUpload(u: Authed, input: { mimeType: string; sizeBytes: number; fileName?: string; purpose?: "post" | "profile" }): Promise<Created> {
    return ok(await mutate(u, "media.createUpload", { fileName: input.fileName ?? "file.bin", ...input }));
  }

  /** PUTs `body` to the presigned URL as a client would (the signed headers, unless told otherwise). */
  async function put(created: Created, body: Uint8Array, headers: Record<string, string> = created.headers, status = 200): Promise<void> {
    const res = await fetch(created.uploadUrl, { method: created.method, headers, body });
    expect(res.status).toBe(status);
    await res.arrayBuffer();
  }

  /** createUpload (declaring `declared ?? body.length` bytes) + the PUT of `body`. */
  async function uploadBytes(
    u: Authed, mimeType: string, body: Uint8Array, opts: { declared?: number; purpose?: "post" | "profile"; headers?: Record<string, string> } = {},
  ): Promise<Created> {
    const created = await createUpload(u, { mimeType, sizeBytes: opts.declared ?? body.length, purpose: opts.purpose });
    await put(created, body, opts.headers ?? created.headers);
    return created;
  }

  const confirm = (u: Authed | null, uploadId: string, extra: Record<string, unknown> = {}) => mutate(u, "media.confirmUpload", { uploadId, ...extra });

  /** Upload + confirm in one go; returns the confirmed upload view. */
  async function confirmed(u: Authed, mimeType: string, body: Uint8Array, extra: Record<string, unknown> = {}, purpose?: "post" | "profile") {
    const created = await uploadBytes(u, mimeType, body, { purpose });
    return { created, view: ok(await confirm(u, created.uploadId, extra)) };
  }

  const exists = async (key: string) => (await store().head(key)) !== null;

  /** What createUpload says is left: a 100 MB video never fits a 50 MB quota, so the refusal reports it. */
  async function availableBytes(u: Authed): Promise<number> {
    const data = expectError(await mutate(u, "media.createUpload", { fileName: "probe.mp4", mimeType: "video/mp4", sizeBytes: 100 * MB }),
      "FORBIDDEN", { appCode: "STORAGE_QUOTA_EXCEEDED" });
    return data.details.availableBytes;
  }

  interface Usage { used: number; quota: number; images: number; videos: number; audio: number; other: number }
  async function usage(userId: string): Promise<Usage> {
    const [row] = await ctx.t.sql<Usage[]>`
      SELECT used_bytes::bigint::float8 AS used, quota_bytes::float8 AS quota, images_bytes::float8 AS images,
             videos_bytes::float8 AS videos, audio_bytes::float8 AS audio, other_bytes::float8 AS other
      FROM storage_usage WHERE user_id = ${userId}`;
    return row!;
  }
  async function reservation(id: string) {
    const [row] = await ctx.t.sql<{ status: string; size_bytes: number; media_id: string | null; width: number | null; height: number | null; file_url: string | null; thumbnail_url: string | null }[]>`
      SELECT status, size_bytes::float8 AS size_bytes, media_id, width, height, file_url, thumbnail_url FROM upload_reservations WHERE id = ${id}`;
    return row ?? null;
  }
  async function mediaRows(userId: string) {
    return [...await ctx.t.sql<{ id: string; post_id: string; type: string; file_url: string; file_size_bytes: number; display_order: number; thumbnail_url: string | null; width: number | null; height: number | null }[]>`
      SELECT id, post_id, type::text, file_url, file_size_bytes::float8 AS file_size_bytes, display_order, thumbnail_url, width, height
      FROM post_media WHERE user_id = ${userId} ORDER BY post_id, display_order`];
  }
  /** The storage invariant: used = Σ post_media sizes ≤ quota, and the four buckets sum to used. */
  async function expectInvariant(userId: string) {
    const u = await usage(userId);
    const [sum] = await ctx.t.sql<{ n: number }[]>`SELECT COALESCE(sum(file_size_bytes), 0)::float8 AS n FROM post_media WHERE user_id = ${userId}`;
    expect(u.used).toBe(sum!.n);
    expect(u.used).toBeLessThanOrEqual(u.quota);
    expect(u.images + u.videos + u.audio + u.other).toBe(u.used);
    return u;
  }

  // ───────────────────────────────────────────────────────────────────────────────────────────────
  describe("media.createUpload: validation", () => {
    test("a type outside the allow-list is BAD_REQUEST mimeType, and nothing is reserved", async () => {
      const u = await user();
      for (const mimeType of ["image/svg+xml", "text/html", "application/pdf", "image/bmp", "application/octet-stream", "video/x-msvideo", ""]) {
        expectError(await mutate(u, "media.createUpload", { fileName: "x", mimeType, sizeBytes: 100 }), "BAD_REQUEST", { field: "mimeType" });
      }
      const [n] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM upload_reservations WHERE user_id = ${u.id}`;
      expect(n!.n).toBe(0);
    });

    test("too large for its type is BAD_REQUEST sizeBytes with IMAGE/VIDEO/AUDIO_TOO_LARGE; the maximum itself passes", async () => {
      const u = await user();
      const cases: [string, number, string][] = [
        ["image/png", 10 * MB, "IMAGE_TOO_LARGE"], ["image/jpeg", 10 * MB, "IMAGE_TOO_LARGE"], ["image/webp", 10 * MB, "IMAGE_TOO_LARGE"],
        ["image/gif", 10 * MB, "IMAGE_TOO_LARGE"],
        ["video/mp4", 100 * MB, "VIDEO_TOO_LARGE"], ["video/webm", 100 * MB, "VIDEO_TOO_LARGE"], ["video/quicktime", 100 * MB, "VIDEO_TOO_LARGE"],
        ["audio/mpeg", 20 * MB, "AUDIO_TOO_LARGE"], ["audio/wav", 20 * MB, "AUDIO_TOO_LARGE"], ["audio/ogg", 20 * MB, "AUDIO_TOO_LARGE"],
      ];
      for (const [mimeType, max, appCode] of cases) {
        expectError(await mutate(u, "media.createUpload", { fileName: "big", mimeType, sizeBytes: max + 1 }), "BAD_REQUEST", { field: "sizeBytes", appCode });
      }
      // Exactly the maximum is no size error: a 10 MB image and a 20 MB audio file fit the 50 MB
      // free quota; a 100 MB video does not, so it meets the quota instead.
      await createUpload(u, { mimeType: "image/png", sizeBytes: 10 * MB });
      await createUpload(u, { mimeType: "audio/wav", sizeBytes: 20 * MB });
      expectError(await mutate(u, "media.createUpload", { fileName: "v", mimeType: "video/mp4", sizeBytes: 100 * MB }), "FORBIDDEN", { appCode: "STORAGE_QUOTA_EXCEEDED" });
    });

    test("zero, negative, fractional or missing sizes are BAD_REQUEST sizeBytes; unknown keys and no session are refused", async () => {
      const u = await user();
      for (const sizeBytes of [0, -1, 1.5, "100", null]) {
        expectError(await mutate(u, "media.createUpload", { fileName: "x.png", mimeType: "image/png", sizeBytes }), "BAD_REQUEST", { field: "sizeBytes" });
      }
      expectError(await mutate(u, "media.createUpload", { fileName: "x.png", mimeType: "image/png" }), "BAD_REQUEST", { field: "sizeBytes" });
      expectError(await mutate(u, "media.createUpload", { fileName: "x.png", mimeType: "image/png", sizeBytes: 10, purpose: "avatar" }), "BAD_REQUEST", { field: "purpose" });
      expectError(await mutate(u, "media.createUpload", { fileName: "x.png", mimeType: "image/png", sizeBytes: 10, key: "users/1/x" }), "BAD_REQUEST");
      expectError(await mutate(null, "media.createUpload", { fileName: "x.png", mimeType: "image/png", sizeBytes: 10 }), "UNAUTHORIZED");
      const [n] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM upload_reservations WHERE user_id = ${u.id}`;
      expect(n!.n).toBe(0);
    });

    test("the answer is a presigned PUT bound to a key under users/{id}/posts|profile, with type, length and cache headers", async () => {
      const u = await user();
      const before = Date.now();
      const created = await createUpload(u, { mimeType: "IMAGE/PNG", sizeBytes: 1234, fileName: "../../etc/passwd.png" });
      expect(created.method).toBe("PUT");
      expect(created.fileKey).toMatch(new RegExp(`^users/${u.id}/posts/[0-9a-f-]{36}\\.png$`));
      expect(created.headers).toEqual({ "Content-Type": "image/png", "Content-Length": "1234", "Cache-Control": IMMUTABLE_CACHE_CONTROL });
      const url = new URL(created.uploadUrl);
      expect(url.pathname).toBe(`/${store().bucket}/${created.fileKey}`);
      expect(url.searchParams.get("X-Amz-SignedHeaders")?.split(";")).toEqual(expect.arrayContaining(["content-length", "content-type", "cache-control"]));
      // No checksum of an empty body signed in (the SDK's WHEN_SUPPORTED default): S3 would refuse every upload.
      expect([...url.searchParams.keys()].filter((k) => /^x-amz-(checksum-|sdk-checksum-algorithm)/i.test(k))).toEqual([]);
      const expiresAt = Date.parse(created.expiresAt);
      expect(expiresAt).toBeGreaterThan(before);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 15 * 60_000 + 1000);

      const profile = await createUpload(u, { mimeType: "image/webp", sizeBytes: 10, purpose: "profile" });
      expect(profile.fileKey).toMatch(new RegExp(`^users/${u.id}/profile/[0-9a-f-]{36}\\.webp$`));
      const rows = await ctx.t.sql<{ status: string; purpose: string; size_bytes: number; file_name: string }[]>`
        SELECT status, purpose, size_bytes::int AS size_bytes, file_name FROM upload_reservations WHERE user_id = ${u.id} ORDER BY id`;
      expect([...rows]).toEqual([
        { status: "pending", purpose: "post", size_bytes: 1234, file_name: "../../etc/passwd.png" },
        { status: "pending", purpose: "profile", size_bytes: 10, file_name: "file.bin" },
      ]);
    });

    test("no upload URL carries x-amz-checksum-* or x-amz-sdk-checksum-algorithm, and its exact signed headers are accepted", async () => {
      const u = await user();
      for (const [mimeType, body] of [["image/png", await png(12, 12)], ["image/jpeg", await jpeg(13, 13)], ["image/webp", await webp(14, 14)]] as const) {
        const created = await createUpload(u, { mimeType, sizeBytes: body.length });
        const params = [...new URL(created.uploadUrl).searchParams.keys()].map((k) => k.toLowerCase());
        expect(params.filter((k) => k.startsWith("x-amz-checksum") || k === "x-amz-sdk-checksum-algorithm")).toEqual([]);
        expect(Object.keys(created.headers).filter((h) => /checksum/i.test(h))).toEqual([]);
        await put(created, body);
        expect(ok(await confirm(u, created.uploadId)).status).toBe("confirmed");
      }
    });

    test("over the quota is FORBIDDEN STORAGE_QUOTA_EXCEEDED with details.availableBytes; pending reservations count", async () => {
      const u = await user();
      await ctx.t.sql`UPDATE storage_usage SET quota_bytes = 1000000 WHERE user_id = ${u.id}`;
      const post = await createPost(ctx.t.sql, u.id, { type: "image" });
      await addMedia(ctx.t.sql, u.id, post.id, { sizeBytes: 300_000 }); // used 300 000
      let data = expectError(await mutate(u, "media.createUpload", { fileName: "a.png", mimeType: "image/png", sizeBytes: 700_001 }),
        "FORBIDDEN", { appCode: "STORAGE_QUOTA_EXCEEDED" });
      expect(data.details).toMatchObject({ availableBytes: 700_000, quotaBytes: 1_000_000, requestedBytes: 700_001 });
      await createUpload(u, { mimeType: "image/png", sizeBytes: 400_000 }); // held 400 000
      data = expectError(await mutate(u, "media.createUpload", { fileName: "b.png", mimeType: "image/png", sizeBytes: 300_001 }),
        "FORBIDDEN", { appCode: "STORAGE_QUOTA_EXCEEDED" });
      expect(data.details.availableBytes).toBe(300_000);
      await createUpload(u, { mimeType: "image/png", sizeBytes: 300_000 });
      data = expectError(await mutate(u, "media.createUpload", { fileName: "c.png", mimeType: "image/png", sizeBytes: 1 }),
        "FORBIDDEN", { appCode: "STORAGE_QUOTA_EXCEEDED" });
      expect(data.details.availableBytes).toBe(0);
      // Over quota already (a downgrade): availableBytes is never negative.
      await ctx.t.sql`UPDATE storage_usage SET quota_bytes = 100000 WHERE user_id = ${u.id}`;
      data = expectError(await mutate(u, "media.createUpload", { fileName: "d.png", mimeType: "image/png", sizeBytes: 1 }),
        "FORBIDDEN", { appCode: "STORAGE_QUOTA_EXCEEDED" });
      expect(data.details.availableBytes).toBe(0);
    });
  });

  // ───────────────────────────────────────────────────────────────────────────────────────────────
  describe("media.confirmUpload: the server checks the stored bytes", () => {
    test("an image is measured by the server (the client's width/height are ignored), thumbnailed, and served immutable", async () => {
      const u = await user();
      const file = await png(640, 480);
      const created = await uploadBytes(u, "image/png", file);
      const availableBefore = await availableBytes(u);
      const view = ok(await confirm(u, created.uploadId, { width: 10, height: 10, durationSeconds: 99 }));
      const base = store().publicBaseUrl;
      expect(base).toBe(`${ctx.s.url}/media`); // served by the app itself (no S3_PUBLIC_URL in tests)
      const thumbKey = `users/${u.id}/posts/thumbnails/${created.fileKey.split("/").at(-1)!.replace(/\.png$/, "")}_thumb.webp`;
      expect(thumbnailKey(created.fileKey)).toBe(thumbKey);
      expect(view).toEqual({
        uploadId: created.uploadId, mediaId: null, status: "confirmed", purpose: "post", type: "image", mimeType: "image/png",
        sizeBytes: file.length, url: `${base}/${created.fileKey}`, thumbnailUrl: `${base}/${thumbKey}`,
        width: 640, height: 480, durationSeconds: null,
      });
      expect(view.url.startsWith(`${base}/`)).toBe(true);
      expect(await reservation(created.uploadId)).toMatchObject({ status: "confirmed", width: 640, height: 480, file_url: view.url, thumbnail_url: view.thumbnailUrl });

      // The thumbnail is a real WebP beside the object, at most 400 px, aspect kept.
      const thumb = await store().read(thumbKey);
      const meta = await sharp(thumb).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: "webp", width: 400, height: 300 });

      // Both are fetchable at their public URLs (GET /media) with the immutable Cache-Control.
      for (const [url, type] of [[view.url, "image/png"], [view.thumbnailUrl, "image/webp"]] as const) {
        const res = await fetch(url, { method: "HEAD" });
        expect(res.status).toBe(200);
        expect(res.headers.get("cache-control")).toBe(IMMUTABLE_CACHE_CONTROL);
        expect(res.headers.get("content-type")).toBe(type);
      }
      expect(new Uint8Array(await (await fetch(view.url)).arrayBuffer())).toEqual(file);

      // Confirmed but not yet on a post: no post_media, used_bytes unchanged, the quota still held.
      expect(await mediaRows(u.id)).toEqual([]);
      expect((await usage(u.id)).used).toBe(0);
      expect(await availableBytes(u)).toBe(availableBefore);
      expect(availableBefore).toBe(FREE_QUOTA - file.length);
    });

    test("JPEG, WebP and GIF are measured too; a GIF is media type gif", async () => {
      const u = await user();
      for (const [mimeType, make, type] of [["image/jpeg", jpeg, "image"], ["image/webp", webp, "image"], ["image/gif", gif, "gif"]] as const) {
        const { created, view } = await confirmed(u, mimeType, await make(123, 77), { width: 5000, height: 1 });
        expect(view).toMatchObject({ status: "confirmed", type, mimeType, width: 123, height: 77 });
        expect(view.thumbnailUrl).toBe(store().publicUrl(thumbnailKey(created.fileKey)));
        expect(await exists(thumbnailKey(created.fileKey))).toBe(true);
      }
    });

    test("audio (WAV) and video (MP4): duration and frame size read by the server (the client's ignored), no thumbnail", async () => {
      const u = await user();
      // 4,000 bytes of 16-bit 8 kHz samples = 0.25 s, stored as 1 s; tests/modules/media-facts.test.ts has the rest.
      const audio = await confirmed(u, "audio/wav", wav(4_044), { width: 100, height: 100, durationSeconds: 180 });
      expect(audio.view).toMatchObject({ status: "confirmed", type: "audio", mimeType: "audio/wav", sizeBytes: 4_044, width: null, height: null, durationSeconds: 1, thumbnailUrl: null });
      const video = await confirmed(u, "video/mp4", mp4(4_096), { width: 1920, height: 1080, durationSeconds: 30 });
      expect(video.view).toMatchObject({ status: "confirmed", type: "video", mimeType: "video/mp4", sizeBytes: 4_096, width: 160, height: 90, durationSeconds: 2, thumbnailUrl: null });
      for (const v of [audio, video]) {
        const res = await fetch(v.view.url, { method: "HEAD" });
        expect(res.headers.get("cache-control")).toBe(IMMUTABLE_CACHE_CONTROL);
      }
      // Out-of-range metadata is refused before anything is looked at.
      const created = await uploadBytes(u, "video/mp4", mp4());
      expectError(await confirm(u, created.uploadId, { width: 0 }), "BAD_REQUEST", { field: "width" });
      expectError(await confirm(u, created.uploadId, { durationSeconds: 10 * 86_400 }), "BAD_REQUEST", { field: "durationSeconds" });
      expect((await reservation(created.uploadId))!.status).toBe("pending");
    });

    test("a body smaller than declared: refused by a real S3 (signed length); on s3rver accepted at its real size", async () => {
      const u = await user();
      const file = await png(50, 50);
      const created = await createUpload(u, { mimeType: "image/png", sizeBytes: file.length + 5000 });
      if (strict()) {
        await put(created, file, { ...created.headers, "Content-Length": String(file.length) }, 403);
        expect(await exists(created.fileKey)).toBe(false);
        expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "UPLOAD_MISSING" });
        return;
      }
      // The quota charges what is stored.
      await put(created, file, { ...created.headers, "Content-Length": String(file.length) });
      const view = ok(await confirm(u, created.uploadId));
      expect(view.sizeBytes).toBe(file.length);
      expect((await reservation(created.uploadId))!.size_bytes).toBe(file.length);
      expect(await availableBytes(u)).toBe(FREE_QUOTA - file.length);
    });

    test("a body larger than declared: a real S3 refuses the PUT (403); s3rver lets it through and confirm refuses it (SIZE_MISMATCH)", async () => {
      expect(store().enforcesPresignedConditions).toBe(kind === "s3");
      const u = await user();
      const file = await png(300, 300);
      const created = await createUpload(u, { mimeType: "image/png", sizeBytes: 100 });
      const { "Content-Length": _declared, ...headers } = created.headers;
      if (strict()) {
        await put(created, file, headers, 403);
        expect(await exists(created.fileKey)).toBe(false);
        expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "UPLOAD_MISSING" });
        expect(await availableBytes(u)).toBe(FREE_QUOTA - 100); // still held until it expires or is deleted
        return;
      }
      // s3rver does not enforce the signed Content-Length, so this PUT of more bytes than declared
      // succeeds; the server-side HEAD in confirmUpload catches it.
      await put(created, file, headers);
      expect((await store().head(created.fileKey))!.size).toBe(file.length);

      const data = expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "SIZE_MISMATCH" });
      expect(data.details).toEqual({ declaredBytes: 100, actualBytes: file.length });
      expect(await exists(created.fileKey)).toBe(false);
      expect(await exists(thumbnailKey(created.fileKey))).toBe(false);
      expect((await reservation(created.uploadId))!.status).toBe("rejected");
      expect(await availableBytes(u)).toBe(FREE_QUOTA);
      // The upload is closed for good; nothing reached post_media.
      expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "UPLOAD_CLOSED" });
      expect(await mediaRows(u.id)).toEqual([]);
    });

    test("a spoofed type (HTML or SVG as image/png, PNG as image/jpeg, WAV as video/mp4, a truncated PNG) is TYPE_MISMATCH and deleted", async () => {
      const u = await user();
      const realPng = await png(64, 64);
      const cases: [string, Uint8Array, string | null][] = [
        ["image/png", HTML, null],
        ["image/png", SVG, null],
        ["image/gif", SVG, null],
        ["image/jpeg", realPng, "image/png"],
        ["video/mp4", wav(), "audio/wav"],
        ["audio/mpeg", HTML, null],
        ["image/png", realPng.slice(0, 120), "image/png"], // right magic bytes, but sharp cannot decode it
      ];
      for (const [mimeType, body, detected] of cases) {
        const created = await uploadBytes(u, mimeType, body);
        const data = expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "TYPE_MISMATCH" });
        if (data.details) expect(data.details).toEqual({ declared: mimeType, detected });
        expect(await exists(created.fileKey)).toBe(false);
        expect(await exists(thumbnailKey(created.fileKey))).toBe(false);
        expect((await reservation(created.uploadId))!.status).toBe("rejected");
        expect(await fetch(store().publicUrl(created.fileKey)).then((r) => r.status)).toBe(404);
      }
      expect(await availableBytes(u)).toBe(FREE_QUOTA);
      expect(await mediaRows(u.id)).toEqual([]);
    });

    test("real image bytes PUT with another Content-Type: a real S3 refuses the PUT; from s3rver, confirm refuses and deletes it", async () => {
      // On S3 the signed Content-Type makes this PUT fail; s3rver stores it as text/html, which the
      // CDN would then serve as HTML. confirmUpload compares the stored type with the declared one.
      const u = await user();
      const image = await png(20, 20);
      const htmlHeaders = { "Content-Type": "text/html", "Cache-Control": IMMUTABLE_CACHE_CONTROL };
      if (strict()) {
        const created = await createUpload(u, { mimeType: "image/png", sizeBytes: image.length });
        await put(created, image, htmlHeaders, 403);
        expect(await exists(created.fileKey)).toBe(false);
        return;
      }
      const created = await uploadBytes(u, "image/png", image, { headers: htmlHeaders });
      // GET /media never serves it as HTML meanwhile (a type outside the allow-list is 404).
      expect((await fetch(store().publicUrl(created.fileKey))).status).toBe(404);
      expect((await store().head(created.fileKey))!.contentType).toBe("text/html");
      expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "TYPE_MISMATCH" });
      expect(await exists(created.fileKey)).toBe(false);
      expect((await reservation(created.uploadId))!.status).toBe("rejected");
    });

    test("confirm before the upload is BAD_REQUEST UPLOAD_MISSING; the reservation stays usable and confirms after the PUT", async () => {
      const u = await user();
      const file = await png(32, 16);
      const created = await createUpload(u, { mimeType: "image/png", sizeBytes: file.length });
      expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "UPLOAD_MISSING" });
      expect((await reservation(created.uploadId))!.status).toBe("pending");
      expect(await availableBytes(u)).toBe(FREE_QUOTA - file.length); // still held
      await put(created, file);
      expect(ok(await confirm(u, created.uploadId))).toMatchObject({ status: "confirmed", width: 32, height: 16, sizeBytes: file.length });
    });

    test("double confirm gives the same answer and one post_media row / one reservation, sequentially and concurrently", async () => {
      const u = await user();
      // Sequential, without a post.
      const a = await uploadBytes(u, "image/png", await png(40, 30));
      const first = ok(await confirm(u, a.uploadId));
      expect(ok(await confirm(u, a.uploadId))).toEqual(first);

      // Concurrent, into a post: exactly one post_media row, every answer the same.
      const post = await createPost(ctx.t.sql, u.id, { type: "image", content: null });
      const b = await uploadBytes(u, "image/png", await png(41, 31));
      const answers = (await Promise.all(Array.from({ length: 5 }, () => confirm(u, b.uploadId, { postId: post.id })))).map(ok);
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      expect(answers[0]).toMatchObject({ status: "attached", width: 41, height: 31 });
      const rows = await mediaRows(u.id);
      expect(rows.length).toBe(1);
      expect(answers[0].mediaId).toBe(rows[0]!.id);
      // A later confirm (with or without postId) changes nothing either.
      expect(ok(await confirm(u, b.uploadId, { postId: post.id }))).toEqual(answers[0]);
      expect(ok(await confirm(u, b.uploadId))).toEqual(answers[0]);
      const [n] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM upload_reservations WHERE user_id = ${u.id}`;
      expect(n!.n).toBe(2);
      expect((await usage(u.id)).used).toBe(rows[0]!.file_size_bytes);
      await expectInvariant(u.id);
    });

    test("another user's upload id (or an unknown one) is NOT_FOUND, and leaves the upload alone", async () => {
      const owner = await user();
      const other = await user();
      const created = await uploadBytes(owner, "image/png", await png(10, 10));
      expectError(await confirm(other, created.uploadId), "NOT_FOUND");
      expectError(await confirm(other, "999999999"), "NOT_FOUND");
      expectError(await mutate(other, "media.delete", { uploadId: created.uploadId }), "NOT_FOUND");
      expectError(await confirm(null, created.uploadId), "UNAUTHORIZED");
      expectError(await confirm(owner, "abc"), "BAD_REQUEST", { field: "uploadId" });
      expect((await reservation(created.uploadId))!.status).toBe("pending");
      expect(await exists(created.fileKey)).toBe(true);
      expect(ok(await confirm(owner, created.uploadId)).status).toBe("confirmed");
    });

    test("a reservation past its expiry cannot be confirmed: UPLOAD_EXPIRED, object deleted", async () => {
      const u = await user();
      const created = await uploadBytes(u, "image/png", await png(10, 10));
      await ctx.t.sql`UPDATE upload_reservations SET expires_at = NOW() - INTERVAL '1 minute' WHERE id = ${created.uploadId}`;
      expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "UPLOAD_EXPIRED" });
      expect((await reservation(created.uploadId))!.status).toBe("expired");
      expect(await exists(created.fileKey)).toBe(false);
      expect(await availableBytes(u)).toBe(FREE_QUOTA);
    });
  });

  // ───────────────────────────────────────────────────────────────────────────────────────────────
  describe("attaching media to posts", () => {
    test("confirm with postId attaches to the caller's own media post: post_media, used_bytes and the right bucket grow", async () => {
      const u = await user();
      const other = await user();
      const imagePost = await createPost(ctx.t.sql, u.id, { type: "image", content: null });
      const songPost = await createPost(ctx.t.sql, u.id, { type: "song", content: null });
      const videoPost = await createPost(ctx.t.sql, u.id, { type: "video_short", content: null });
      const textPost = await createPost(ctx.t.sql, u.id, { type: "text_short" });
      const theirs = await createPost(ctx.t.sql, other.id, { type: "image", content: null });

      const file = await png(200, 100);
      const created = await uploadBytes(u, "image/png", file);
      // Someone else's post, a text post, an unknown post: refused, and the upload stays pending.
      expectError(await confirm(u, created.uploadId, { postId: theirs.id }), "NOT_FOUND");
      expectError(await confirm(u, created.uploadId, { postId: "999999999" }), "NOT_FOUND");
      expectError(await confirm(u, created.uploadId, { postId: textPost.id }), "BAD_REQUEST", { field: "postId" });
      expectError(await confirm(u, created.uploadId, { postId: songPost.id }), "BAD_REQUEST", { field: "postId" });
      expect((await reservation(created.uploadId))!.status).toBe("pending");
      expect((await usage(u.id)).used).toBe(0);

      const view = ok(await confirm(u, created.uploadId, { postId: imagePost.id }));
      expect(view).toMatchObject({ status: "attached", width: 200, height: 100 });
      let rows = await mediaRows(u.id);
      expect(rows).toEqual([{
        id: view.mediaId, post_id: imagePost.id, type: "image", file_url: view.url, file_size_bytes: file.length, display_order: 0,
        thumbnail_url: view.thumbnailUrl, width: 200, height: 100,
      }]);
      expect(await reservation(created.uploadId)).toMatchObject({ status: "attached", media_id: view.mediaId });
      expect(await usage(u.id)).toMatchObject({ used: file.length, images: file.length, videos: 0, audio: 0, other: 0 });
      // The post shows it, with its thumbnail as the post's thumbnail.
      const shown = ok(await query(u, "post.get", { postId: imagePost.id }));
      expect(shown.media.map((m: any) => [m.id, m.url, m.width, m.height, m.thumbnailUrl])).toEqual([[view.mediaId, view.url, 200, 100, view.thumbnailUrl]]);
      expect(shown.thumbnailUrl).toBe(view.thumbnailUrl);

      // An image post takes one image: a second is refused.
      const second = await uploadBytes(u, "image/png", await png(10, 10));
      expectError(await confirm(u, second.uploadId, { postId: imagePost.id }), "BAD_REQUEST", { field: "postId" });

      // Audio and video land in their own buckets.
      const audio = ok(await confirm(u, (await uploadBytes(u, "audio/wav", wav(3_000))).uploadId, { postId: songPost.id, durationSeconds: 3 }));
      const video = ok(await confirm(u, (await uploadBytes(u, "video/mp4", mp4(5_000))).uploadId, { postId: videoPost.id, width: 640, height: 360 }));
      expect(audio.status).toBe("attached");
      expect(video.status).toBe("attached");
      expect(await usage(u.id)).toMatchObject({ used: file.length + 8_000, images: file.length, audio: 3_000, videos: 5_000, other: 0 });
      rows = await mediaRows(u.id);
      expect(rows.map((r) => [r.type, r.file_size_bytes])).toEqual([["image", file.length], ["audio", 3_000], ["video", 5_000]]);
      await expectInvariant(u.id);
    });

    test("confirm without postId keeps the upload for post.create's uploadIds: display order follows uploadIds, used_bytes grows", async () => {
      const u = await user();
      const files = [await png(30, 10), await jpeg(31, 11), await gif(32, 12)];
      const views = [];
      for (const [i, mime] of (["image/png", "image/jpeg", "image/gif"] as const).entries()) views.push((await confirmed(u, mime, files[i]!)).view);
      expect(views.map((v) => v.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
      expect((await usage(u.id)).used).toBe(0);

      const order = [views[2], views[0], views[1]];
      const post = ok(await mutate(u, "post.create", { type: "image_gallery", content: "three", uploadIds: order.map((v) => v.uploadId) }));
      expect(post.media.map((m: any) => [m.url, m.displayOrder, m.width, m.height, m.type])).toEqual(
        order.map((v, i) => [v.url, i, v.width, v.height, v.type]));
      const shown = ok(await query(null, "post.get", { postId: post.id }));
      expect(shown.media.map((m: any) => m.url)).toEqual(order.map((v) => v.url));
      expect(shown.thumbnailUrl).toBe(order[0].thumbnailUrl);

      const total = files.reduce((n, f) => n + f.length, 0);
      expect(await usage(u.id)).toMatchObject({ used: total, images: total });
      for (const v of views) expect((await reservation(v.uploadId))!.status).toBe("attached");
      // Attached uploads are no longer held twice: available = quota − used.
      expect(await availableBytes(u)).toBe(FREE_QUOTA - total);
      // And cannot be attached again.
      const again = expectError(await mutate(u, "post.create", { type: "image", uploadIds: [views[0].uploadId] }), "BAD_REQUEST", { field: "uploadIds" });
      expect(again.appCode).toBe("MEDIA_NOT_AVAILABLE");
      await expectInvariant(u.id);
    });
  });

  // ───────────────────────────────────────────────────────────────────────────────────────────────
  describe("the quota under concurrency", () => {
    const FIVE_MB = 5 * MB;
    const BATCH = 20;

    async function attachAll(u: Authed, created: Created[], body: (i: number) => Uint8Array) {
      for (const [i, c] of created.entries()) {
        await put(c, body(i), { ...c.headers, "Content-Length": String(body(i).length) });
        expect(ok(await confirm(u, c.uploadId)).status).toBe("confirmed");
      }
      const post = ok(await mutate(u, "post.create", { type: "album", content: "all of it", uploadIds: created.map((c) => c.uploadId) }));
      expect(post.media.length).toBe(created.length);
    }

    test.skipIf(!canRunConcurrently)("20 parallel createUpload calls of 5 MB against a 50 MB quota: exactly 10 succeed", async () => {
      const u = await user();
      expect((await usage(u.id)).quota).toBe(FREE_QUOTA);
      const results = await Promise.all(Array.from({ length: BATCH }, (_, i) =>
        mutate(u, "media.createUpload", { fileName: `track${i}.wav`, mimeType: "audio/wav", sizeBytes: FIVE_MB })));
      const good = results.filter((r) => r.status === 200).map(ok) as Created[];
      const refused = results.filter((r) => r.status !== 200);
      expect(good.length).toBe(10);
      for (const r of refused) expectError(r, "FORBIDDEN", { appCode: "STORAGE_QUOTA_EXCEEDED" });
      const [held] = await ctx.t.sql<{ n: number; bytes: number }[]>`
        SELECT count(*)::int AS n, sum(size_bytes)::float8 AS bytes FROM upload_reservations WHERE user_id = ${u.id} AND status = 'pending'`;
      expect(held).toEqual({ n: 10, bytes: FREE_QUOTA });

      // Fill them all with real 5 MB files, confirm, attach: used = quota exactly, never more.
      const full = wav(FIVE_MB);
      await attachAll(u, good, () => full);
      const after = await expectInvariant(u.id);
      expect(after).toMatchObject({ used: FREE_QUOTA, audio: FREE_QUOTA });
      expect(await availableBytes(u)).toBe(0);
    }, 60_000);

    test.skipIf(!canRunConcurrently)("the same inside ONE tRPC batch (POST media.createUpload,…?batch=1)", async () => {
      const u = await user();
      const paths = Array.from({ length: BATCH }, () => "media.createUpload").join(",");
      const body = Object.fromEntries(Array.from({ length: BATCH }, (_, i) => [String(i), { fileName: `t${i}.wav`, mimeType: "audio/wav", sizeBytes: FIVE_MB }]));
      const res = await fetch(`${ctx.s.url}/api/rpc/${paths}?batch=1`, {
        method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${u.token}` }, body: JSON.stringify(body),
      });
      const items = (await res.json()) as any[];
      expect(items.length).toBe(BATCH);
      const good = items.filter((x) => x.result).map((x) => x.result.data as Created);
      const refused = items.filter((x) => x.error);
      expect(good.length).toBe(10);
      expect(refused.length).toBe(10);
      for (const r of refused) expect([r.error.data.code, r.error.data.appCode]).toEqual(["FORBIDDEN", "STORAGE_QUOTA_EXCEEDED"]);

      // Smaller real files this time (declared 5 MB each; the quota is charged what is stored). A
      // real S3 takes only the signed length: full 5 MB files there.
      const full = strict() ? wav(FIVE_MB) : null;
      const size = (i: number) => full?.length ?? 2_044 + 2 * i;
      await attachAll(u, good, (i) => full ?? wav(size(i)));
      const after = await expectInvariant(u.id);
      expect(after.used).toBe(good.reduce((n, _c, i) => n + size(i), 0));
      expect(after.audio).toBe(after.used);
    }, 60_000);
  });

  // ───────────────────────────────────────────────────────────────────────────────────────────────
  describe("media.delete", () => {
    test("owner only: removes the object, its thumbnail and the row; usage drops; another user gets NOT_FOUND", async () => {
      const u = await user();
      const other = await user();
      const post = await createPost(ctx.t.sql, u.id, { type: "image_gallery", content: null });
      const a = (await confirmed(u, "image/png", await png(100, 100), { postId: post.id })).view;
      const b = (await confirmed(u, "image/webp", await webp(80, 60), { postId: post.id })).view;
      const keyA = store().keyOfUrl(a.url)!;
      const thumbA = store().keyOfUrl(a.thumbnailUrl)!;
      const usedBefore = (await usage(u.id)).used;

      expectError(await mutate(other, "media.delete", { mediaId: a.mediaId }), "NOT_FOUND");
      expectError(await mutate(null, "media.delete", { mediaId: a.mediaId }), "UNAUTHORIZED");
      expect(await exists(keyA)).toBe(true);

      expect(ok(await mutate(u, "media.delete", { mediaId: a.mediaId }))).toEqual({ deleted: true });
      expect(await exists(keyA)).toBe(false);
      expect(await exists(thumbA)).toBe(false);
      expect((await mediaRows(u.id)).map((r) => r.id)).toEqual([b.mediaId]);
      expect(await reservation(a.uploadId)).toBeNull();
      const after = await expectInvariant(u.id);
      expect(after.used).toBe(usedBefore - a.sizeBytes);
      expect(after.images).toBe(b.sizeBytes);
      // The post no longer points at the deleted object.
      const shown = ok(await query(u, "post.get", { postId: post.id }));
      expect(shown.media.map((m: any) => m.id)).toEqual([b.mediaId]);
      expect([a.url, a.thumbnailUrl]).not.toContain(shown.thumbnailUrl);
      expectError(await mutate(u, "media.delete", { mediaId: a.mediaId }), "NOT_FOUND");
    });

    test("an unattached upload is deleted by uploadId (object, thumbnail, reservation; the held quota returns)", async () => {
      const u = await user();
      const { created, view } = await confirmed(u, "image/png", await png(64, 64));
      expect(await availableBytes(u)).toBe(FREE_QUOTA - view.sizeBytes);
      expectError(await mutate(u, "media.delete", {}), "BAD_REQUEST");
      expectError(await mutate(u, "media.delete", { uploadId: created.uploadId, mediaId: "1" }), "BAD_REQUEST");
      expect(ok(await mutate(u, "media.delete", { uploadId: created.uploadId }))).toEqual({ deleted: true });
      expect(await exists(created.fileKey)).toBe(false);
      expect(await exists(thumbnailKey(created.fileKey))).toBe(false);
      expect(await reservation(created.uploadId)).toBeNull();
      expect(await availableBytes(u)).toBe(FREE_QUOTA);

      // A pending one too; an attached one is the post item it became (here the post's only one: refused).
      const pending = await uploadBytes(u, "audio/wav", wav());
      expect(ok(await mutate(u, "media.delete", { uploadId: pending.uploadId }))).toEqual({ deleted: true });
      expect(await exists(pending.fileKey)).toBe(false);
      const post = await createPost(ctx.t.sql, u.id, { type: "song", content: null });
      const attached = (await confirmed(u, "audio/wav", wav(), { postId: post.id })).view;
      expectError(await mutate(u, "media.delete", { uploadId: attached.uploadId }), "CONFLICT", { appCode: "LAST_MEDIA_OF_POST" });
      expect(await exists(store().keyOfUrl(attached.url)!)).toBe(true);
    });
  });

  // ───────────────────────────────────────────────────────────────────────────────────────────────
  describe("media jobs", () => {
    test("expireReservations: a stale pending upload expires, its object (and any thumbnail) goes, the quota is released", async () => {
      const u = await user();
      const other = await user();
      const stale = await uploadBytes(u, "image/png", await png(20, 20));
      const fresh = await uploadBytes(u, "image/png", await png(21, 21));
      // A confirm that failed after the thumbnail was written (someone else's post) leaves a
      // pending upload with a thumbnail beside it.
      const failed = await uploadBytes(u, "image/png", await png(22, 22));
      expectError(await confirm(u, failed.uploadId, { postId: (await createPost(ctx.t.sql, other.id, { type: "image", content: null })).id }), "NOT_FOUND");
      const availableBefore = await availableBytes(u);
      // (A pending reservation stops holding quota the moment expires_at passes; the job then marks
      // it expired and deletes what was uploaded.)
      await ctx.t.sql`UPDATE upload_reservations SET expires_at = NOW() - INTERVAL '1 second' WHERE id IN ${ctx.t.sql([stale.uploadId, failed.uploadId])}`;

      const result = await expireReservations(ctx.s.deps.database.db, store());
      expect(result.expired).toBeGreaterThanOrEqual(2);
      expect((await reservation(stale.uploadId))!.status).toBe("expired");
      expect((await reservation(failed.uploadId))!.status).toBe("expired");
      expect((await reservation(fresh.uploadId))!.status).toBe("pending");
      expect(await exists(stale.fileKey)).toBe(false);
      expect(await exists(failed.fileKey)).toBe(false);
      expect(await exists(thumbnailKey(failed.fileKey))).toBe(false);
      expect(await exists(fresh.fileKey)).toBe(true);
      const stSize = (await store().head(fresh.fileKey))!.size;
      expect(await availableBytes(u)).toBe(FREE_QUOTA - stSize);
      expect(await availableBytes(u)).toBeGreaterThan(availableBefore);
      expectError(await confirm(u, stale.uploadId), "BAD_REQUEST", { appCode: "UPLOAD_CLOSED" });
      expect(ok(await confirm(u, fresh.uploadId)).status).toBe("confirmed");
    });

    test("expireReservations: post uploads confirmed but never attached for a day are swept; profile uploads stay", async () => {
      const u = await user();
      const abandoned = (await confirmed(u, "image/png", await png(10, 10))).created;
      const recent = (await confirmed(u, "image/png", await png(11, 11))).created;
      const profile = (await confirmed(u, "image/png", await png(12, 12), {}, "profile")).created;
      await ctx.t.sql`UPDATE upload_reservations SET confirmed_at = NOW() - INTERVAL '25 hours' WHERE id IN ${ctx.t.sql([abandoned.uploadId, profile.uploadId])}`;
      await expireReservations(ctx.s.deps.database.db, store());
      expect(await reservation(abandoned.uploadId)).toBeNull();
      expect(await exists(abandoned.fileKey)).toBe(false);
      expect(await exists(thumbnailKey(abandoned.fileKey))).toBe(false);
      for (const kept of [recent, profile]) {
        expect((await reservation(kept.uploadId))!.status).toBe("confirmed");
        expect(await exists(kept.fileKey)).toBe(true);
        expect(await exists(thumbnailKey(kept.fileKey))).toBe(true);
      }
    });

    test("cleanupOrphanedMedia: media of a post soft-deleted 31 days ago goes (row, object, thumbnail; usage drops); 29 days is kept", async () => {
      const u = await user();
      const old = await createPost(ctx.t.sql, u.id, { type: "image", content: null });
      const recent = await createPost(ctx.t.sql, u.id, { type: "image", content: null });
      const gone = (await confirmed(u, "image/png", await png(50, 50), { postId: old.id })).view;
      const kept = (await confirmed(u, "image/png", await png(51, 51), { postId: recent.id })).view;
      await ctx.t.sql`UPDATE posts SET deleted_at = ${new Date(Date.now() - 31 * DAY).toISOString()} WHERE id = ${old.id}`;
      await ctx.t.sql`UPDATE posts SET deleted_at = ${new Date(Date.now() - 29 * DAY).toISOString()} WHERE id = ${recent.id}`;
      expect((await usage(u.id)).used).toBe(gone.sizeBytes + kept.sizeBytes);

      const result = await cleanupOrphanedMedia(ctx.s.deps.database.db, store());
      expect(result.releasedRows).toBeGreaterThanOrEqual(1);
      expect((await mediaRows(u.id)).map((r) => r.id)).toEqual([kept.mediaId]);
      expect(await exists(store().keyOfUrl(gone.url)!)).toBe(false);
      expect(await exists(store().keyOfUrl(gone.thumbnailUrl)!)).toBe(false);
      expect(await exists(store().keyOfUrl(kept.url)!)).toBe(true);
      expect(await reservation(gone.uploadId)).toBeNull(); // the detached reservation went too
      const after = await expectInvariant(u.id);
      expect(after.used).toBe(kept.sizeBytes);
    });

    test("bucket sweep: objects no upload refers to are deleted only once older than a day; referenced ones always stay", async () => {
      const u = await user();
      const attachedPost = await createPost(ctx.t.sql, u.id, { type: "image", content: null });
      const attached = (await confirmed(u, "image/png", await png(15, 15), { postId: attachedPost.id })).view;
      const confirmedUpload = (await confirmed(u, "image/png", await png(16, 16))).created;
      const pending = await uploadBytes(u, "audio/wav", wav());
      const strayKey = `users/${u.id}/posts/00000000-0000-4000-8000-000000000000.png`;
      await store().put(strayKey, await png(5, 5), "image/png");
      const referenced = [store().keyOfUrl(attached.url)!, store().keyOfUrl(attached.thumbnailUrl)!, confirmedUpload.fileKey,
        thumbnailKey(confirmedUpload.fileKey), pending.fileKey];

      // Real timestamps: everything is fresh, so nothing is swept (the sweep only deletes objects
      // older than a day, to spare uploads in flight).
      await cleanupOrphanedMedia(ctx.s.deps.database.db, store(), { sweepBucket: true });
      for (const key of [...referenced, strayKey]) expect(await exists(key)).toBe(true);

      // The same store, but reporting this user's objects as two days old.
      const real = store();
      const aged: MediaStore = {
        ...real,
        async *list(prefix: string) {
          for await (const o of real.list(prefix)) {
            yield o.key.startsWith(`users/${u.id}/`) ? { ...o, lastModified: new Date(Date.now() - 2 * DAY) } : o;
          }
        },
      };
      const result = await cleanupOrphanedMedia(ctx.s.deps.database.db, aged, { sweepBucket: true });
      expect(result.swept).toBe(1);
      expect(await exists(strayKey)).toBe(false);
      for (const key of referenced) expect(await exists(key)).toBe(true);
      await expectInvariant(u.id);
    });
  });

  // ───────────────────────────────────────────────────────────────────────────────────────────────
  describe("profile backgrounds", () => {
    test("user.updateBackground image takes the URL of the caller's own confirmed image upload; anything else is BAD_REQUEST value", async () => {
      const u = await user();
      const other = await user();
      const mine = (await confirmed(u, "image/png", await png(300, 200), {}, "profile")).view;
      const theirs = (await confirmed(other, "image/png", await png(300, 200), {}, "profile")).view;
      const pending = await uploadBytes(u, "image/png", await png(10, 10), { purpose: "profile" });
      const rejected = await uploadBytes(u, "image/png", HTML, { purpose: "profile" });
      expectError(await confirm(u, rejected.uploadId), "BAD_REQUEST", { appCode: "TYPE_MISMATCH" });
      const audio = (await confirmed(u, "audio/wav", wav(), {}, "profile")).view;
      expect(mine.url.startsWith(`${store().publicBaseUrl}/users/${u.id}/profile/`)).toBe(true);

      expect(ok(await mutate(u, "user.updateBackground", { type: "image", value: mine.url, position: "cover" }))).toEqual({ type: "image", value: mine.url, position: "cover" });
      const [row] = await ctx.t.sql<{ background_config: unknown }[]>`SELECT background_config FROM user_profiles WHERE user_id = ${u.id}`;
      expect(row!.background_config).toEqual({ type: "image", value: mine.url, position: "cover" });

      for (const value of [theirs.url, store().publicUrl(pending.fileKey), store().publicUrl(rejected.fileKey), audio.url,
        "https://cdn.example.test/bg.png", `${mine.url}?x=1`, "javascript:alert(1)"]) {
        expectError(await mutate(u, "user.updateBackground", { type: "image", value }), "BAD_REQUEST", { field: "value" });
      }
      // An image is not a video background.
      expectError(await mutate(u, "user.updateBackground", { type: "video", value: mine.url }), "BAD_REQUEST", { field: "value" });
      const [still] = await ctx.t.sql<{ background_config: unknown }[]>`SELECT background_config FROM user_profiles WHERE user_id = ${u.id}`;
      expect(still!.background_config).toEqual({ type: "image", value: mine.url, position: "cover" });
    });
  });

  // ─────────────────────────────────────────────────────────────────────────────────────────────
  describe("GET /media: a confirmed upload's public URL serves its bytes", () => {
    test("GET 200 with the stored type, length, ETag, immutable caching, nosniff and cross-origin embedding; HEAD the same without a body", async () => {
      const u = await user();
      const file = await png(120, 80);
      const { view } = await confirmed(u, "image/png", file);
      expect(view.url.startsWith(`${ctx.s.url}/media/users/${u.id}/posts/`)).toBe(true);
      const res = await fetch(view.url);
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(file);
      expect({
        type: res.headers.get("content-type"), length: res.headers.get("content-length"), cache: res.headers.get("cache-control"),
        nosniff: res.headers.get("x-content-type-options"), corp: res.headers.get("cross-origin-resource-policy"),
        ranges: res.headers.get("accept-ranges"), acao: res.headers.get("access-control-allow-origin"),
      }).toEqual({
        type: "image/png", length: String(file.length), cache: IMMUTABLE_CACHE_CONTROL, nosniff: "nosniff", corp: "cross-origin",
        ranges: "bytes", acao: "*",
      });
      expect(res.headers.get("etag")).toBeTruthy();
      expect(res.headers.get("content-security-policy")).toContain("sandbox");

      const head = await fetch(view.url, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe(String(file.length));
      expect((await head.arrayBuffer()).byteLength).toBe(0);

      // The thumbnail is served as WebP.
      const thumb = await fetch(view.thumbnailUrl);
      expect([thumb.status, thumb.headers.get("content-type")]).toEqual([200, "image/webp"]);
      expect((await sharp(new Uint8Array(await thumb.arrayBuffer())).metadata()).format).toBe("webp");

      // A conditional GET with its ETag is 304.
      const again = await fetch(view.url, { headers: { "if-none-match": res.headers.get("etag")! } });
      expect(again.status).toBe(304);
      expect(again.headers.get("cache-control")).toBe(IMMUTABLE_CACHE_CONTROL);
    });

    test("range requests: 206 with Content-Range (first bytes, a middle slice, a suffix); past the end 416", async () => {
      const u = await user();
      const body = await noisyPng(200, 200);
      expect(body.length).toBeGreaterThan(10_000);
      const { view } = await confirmed(u, "image/png", body);
      const n = body.length;
      const ranged = async (range: string) => {
        const res = await fetch(view.url, { headers: { range } });
        return { status: res.status, range: res.headers.get("content-range"), length: res.headers.get("content-length"), bytes: new Uint8Array(await res.arrayBuffer()) };
      };
      expect(await ranged("bytes=0-99")).toEqual({ status: 206, range: `bytes 0-99/${n}`, length: "100", bytes: body.slice(0, 100) });
      expect(await ranged("bytes=5000-5009")).toEqual({ status: 206, range: `bytes 5000-5009/${n}`, length: "10", bytes: body.slice(5000, 5010) });
      expect(await ranged("bytes=-24")).toEqual({ status: 206, range: `bytes ${n - 24}-${n - 1}/${n}`, length: "24", bytes: body.slice(n - 24) });
      expect(await ranged(`bytes=${n - 10}-`)).toEqual({ status: 206, range: `bytes ${n - 10}-${n - 1}/${n}`, length: "10", bytes: body.slice(n - 10) });
      const past = await ranged(`bytes=${n + 10}-`);
      expect([past.status, past.range]).toEqual([416, `bytes */${n}`]);
    });

    test("a body over 1 MiB streams through (chunked) with exactly the stored bytes", async () => {
      const u = await user();
      const body = await noisyPng(700, 700);
      expect(body.length).toBeGreaterThan(1024 * 1024);
      const { view } = await confirmed(u, "image/png", body);
      const res = await fetch(view.url);
      expect([res.status, res.headers.get("content-type")]).toEqual([200, "image/png"]);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);
      const tail = await fetch(view.url, { headers: { range: "bytes=100000-" } });
      expect([tail.status, tail.headers.get("content-range")]).toEqual([206, `bytes 100000-${body.length - 1}/${body.length}`]);
      expect(new Uint8Array(await tail.arrayBuffer())).toEqual(body.slice(100_000));
    });

    test("a missing key is 404; so is anything outside the upload layout (traversal, other prefixes, bad encodings)", async () => {
      const u = await user();
      const { created } = await confirmed(u, "image/png", await png(8, 8));
      expect((await fetch(`${ctx.s.url}/media/users/${u.id}/posts/00000000-0000-4000-8000-000000000000.png`)).status).toBe(404);
      // What fetch() would normalize away goes over a raw socket, byte for byte.
      const name = created.fileKey.split("/").at(-1)!;
      for (const path of [
        `/media/users/${u.id}/posts/../../../../package.json`, `/media/users/${u.id}/posts/..%2f..%2f..%2fpackage.json`, "/media/../package.json",
        "/media/..%2Fpackage.json", `/media/users/${u.id}/posts/${name}%00.png`, "/media/%E0%A4%A", `/media/users/${u.id}//posts/${name}`,
        `/media/users/x/posts/${name}`, "/media/.ci-warmup", "/media/",
      ]) {
        expect([path, await rawStatus(ctx.s.url, path)]).toEqual([path, 404]);
      }
      // The same object through its own URL is there.
      expect((await fetch(store().publicUrl(created.fileKey))).status).toBe(200);
    });
  });

  describe("the bucket's CORS rule (ALLOWED_ORIGINS)", () => {
    test("a preflight for the upload PUT from an allowed origin is allowed; from another origin refused", async () => {
      const u = await user();
      const created = await createUpload(u, { mimeType: "image/png", sizeBytes: 100 });
      const preflight = (origin: string) => fetch(created.uploadUrl, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "cache-control,content-type" },
      });
      const allowed = await preflight("http://localhost:5173");
      expect(allowed.status).toBe(200);
      expect(["http://localhost:5173", "*"]).toContain(allowed.headers.get("access-control-allow-origin") ?? "");
      expect(allowed.headers.get("access-control-allow-methods")).toContain("PUT");
      expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
      await allowed.arrayBuffer();
      const refused = await preflight("https://evil.example");
      expect(refused.status).toBe(403);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      await refused.arrayBuffer();
    });

    test("the upload PUT itself, sent from an allowed origin, may be read by it and exposes ETag", async () => {
      const u = await user();
      const file = await png(9, 9);
      const created = await createUpload(u, { mimeType: "image/png", sizeBytes: file.length });
      const res = await fetch(created.uploadUrl, { method: "PUT", body: file, headers: { ...created.headers, origin: "http://localhost:3000" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
      expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("etag");
      await res.arrayBuffer();
    });
  });
}

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("with the media store down (S3_ENDPOINT on a closed port)", () => {
  const ctx = {} as { t: TestDatabase; s: RunningServer; startMs: number };
  beforeAll(async () => {
    ctx.t = await createTestDatabase();
    const started = performance.now();
    // The server starts anyway: the store is only needed by media calls.
    ctx.s = await startTestServer(ctx.t, { S3_ENDPOINT: "http://127.0.0.1:1", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s" });
    ctx.startMs = performance.now() - started;
  }, 60_000);
  afterAll(async () => {
    await ctx.s?.stop();
    await ctx.t?.close();
  });
  const { mutate, user } = callersOf(ctx);
  const reservations = async (userId: string) =>
    (await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM upload_reservations WHERE user_id = ${userId}`)[0]!.n;

  test("the server starts, and createUpload answers 503 STORAGE_UNAVAILABLE with Retry-After at once, reserving nothing", async () => {
    expect(ctx.startMs).toBeLessThan(10_000);
    const u = await user();
    for (let i = 0; i < 3; i++) { // the first call probes the bucket; the next ones use its cached answer
      const started = performance.now();
      const res = await mutate(u, "media.createUpload", { fileName: "a.png", mimeType: "image/png", sizeBytes: 1000 });
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect([res.body.error.data.code, res.body.error.data.appCode, res.body.error.data.details]).toEqual(["SERVICE_UNAVAILABLE", "STORAGE_UNAVAILABLE", { retryAfterSeconds: 5 }]);
    }
    expect(await reservations(u.id)).toBe(0);
    // Validation still comes first: a bad call is a 400, not a 503.
    expectError(await mutate(u, "media.createUpload", { fileName: "a", mimeType: "text/html", sizeBytes: 1 }), "BAD_REQUEST", { field: "mimeType" });
  });

  test("confirmUpload of a pending upload answers the same typed 503 (never a 500) and leaves it pending", async () => {
    const u = await user();
    const [row] = await ctx.t.sql<{ id: string }[]>`
      INSERT INTO upload_reservations (user_id, file_key, file_name, mime_type, media_type, size_bytes, purpose, expires_at)
      VALUES (${u.id}, ${`users/${u.id}/posts/00000000-0000-4000-8000-000000000001.png`}, 'a.png', 'image/png', 'image', 1000, 'post', NOW() + INTERVAL '30 minutes')
      RETURNING id`;
    const started = performance.now();
    const res = await mutate(u, "media.confirmUpload", { uploadId: row!.id });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect([res.status, res.body.error?.data?.code, res.body.error?.data?.appCode, res.headers.get("retry-after")]).toEqual([503, "SERVICE_UNAVAILABLE", "STORAGE_UNAVAILABLE", "5"]);
    const [after] = await ctx.t.sql<{ status: string }[]>`SELECT status FROM upload_reservations WHERE id = ${row!.id}`;
    expect(after!.status).toBe("pending");
  });

  test("GET /media answers 503 with Retry-After, not a 500", async () => {
    const res = await fetch(`${ctx.s.url}/media/users/1/posts/00000000-0000-4000-8000-000000000001.png`);
    expect([res.status, res.headers.get("retry-after")]).toEqual([503, "5"]);
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("URLs stored by an earlier embedded store (http://127.0.0.1:<dead port>/<bucket>/…)", () => {
  const DEAD = "http://127.0.0.1:54321/vrss-media";
  const ctx = {} as { t: TestDatabase; s: RunningServer };
  beforeAll(async () => {
    ctx.t = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await ctx.s?.stop();
    await ctx.t?.close();
  });

  test("are rewritten to the current /media base at start, in every column that holds media URLs; again is a no-op", async () => {
    const s3Dir = mkdtempSync(join(tmpdir(), "vrss-s3-"));
    const start = () => startServer(testEnv(), logger.child({}, { level: "silent" }), { database: ctx.t, s3Dir, appUrl: "listening" });
    // A first server stores an image in its embedded store, then goes away.
    const first = await start();
    const u = await createUserWithToken(ctx.t.sql);
    const file = await png(30, 20);
    const key = `users/${u.id}/posts/11111111-1111-4111-8111-111111111111.png`;
    const thumb = thumbnailKey(key);
    await first.deps.media.put(key, file, "image/png");
    await first.deps.media.put(thumb, await webp(10, 10), "image/webp");
    await first.stop();

    // Rows written back then, with that store's URLs.
    const url = `${DEAD}/${key}`;
    const thumbUrl = `${DEAD}/${thumb}`;
    const post = await createPost(ctx.t.sql, u.id, { type: "image", content: null });
    const foreign = "https://cdn.example.test/keep.png";
    await ctx.t.sql`INSERT INTO post_media (post_id, user_id, type, file_url, thumbnail_url, file_size_bytes, mime_type)
                    VALUES (${post.id}, ${u.id}, 'image', ${url}, ${thumbUrl}, ${file.length}, 'image/png')`;
    await ctx.t.sql`UPDATE posts SET thumbnail_url = ${thumbUrl},
                    media_urls = ${JSON.stringify([{ url, type: "image", order: 0 }, { url: foreign, type: "image", order: 1 }])}::jsonb WHERE id = ${post.id}`;
    await ctx.t.sql`INSERT INTO upload_reservations (user_id, file_key, file_name, mime_type, media_type, size_bytes, purpose, status, expires_at, file_url, thumbnail_url)
                    VALUES (${u.id}, ${key}, 'a.png', 'image/png', 'image', ${file.length}, 'post', 'attached', NOW(), ${url}, ${thumbUrl})`;
    await ctx.t.sql`UPDATE user_profiles SET background_config = ${JSON.stringify({ type: "image", value: url, position: "cover" })}::jsonb,
                    music_config = ${JSON.stringify({ url: `${DEAD}/users/${u.id}/profile/22222222-2222-4222-8222-222222222222.mp3`, autoplay: false, volume: 50 })}::jsonb
                    WHERE user_id = ${u.id}`;

    ctx.s = await start();
    const base = ctx.s.deps.media.publicBaseUrl;
    expect(base).toBe(`${ctx.s.url}/media`);
    const [m] = await ctx.t.sql<{ file_url: string; thumbnail_url: string }[]>`SELECT file_url, thumbnail_url FROM post_media WHERE post_id = ${post.id}`;
    expect(m).toEqual({ file_url: `${base}/${key}`, thumbnail_url: `${base}/${thumb}` });
    const [p] = await ctx.t.sql<{ thumbnail_url: string; media_urls: unknown }[]>`SELECT thumbnail_url, media_urls FROM posts WHERE id = ${post.id}`;
    expect(p).toEqual({ thumbnail_url: `${base}/${thumb}`, media_urls: [{ url: `${base}/${key}`, type: "image", order: 0 }, { url: foreign, type: "image", order: 1 }] });
    const [r] = await ctx.t.sql<{ file_url: string; thumbnail_url: string }[]>`SELECT file_url, thumbnail_url FROM upload_reservations WHERE user_id = ${u.id}`;
    expect(r).toEqual({ file_url: `${base}/${key}`, thumbnail_url: `${base}/${thumb}` });
    const [profile] = await ctx.t.sql<{ background_config: any; music_config: any }[]>`SELECT background_config, music_config FROM user_profiles WHERE user_id = ${u.id}`;
    expect(profile!.background_config).toEqual({ type: "image", value: `${base}/${key}`, position: "cover" });
    expect(profile!.music_config.url).toBe(`${base}/users/${u.id}/profile/22222222-2222-4222-8222-222222222222.mp3`);

    // The rewritten URL serves the bytes that were stored under the dead one.
    const res = await fetch(m!.file_url);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(file);
    expect(ok(await rpc(ctx.s.url, "post.get", { postId: post.id }, { method: "GET", token: u.token })).media[0].url).toBe(`${base}/${key}`);

    // Idempotent, and nothing to do is one cheap probe.
    const started = performance.now();
    expect(await rewriteEmbeddedMediaUrls(ctx.s.deps.database.db, "vrss-media", base)).toEqual({});
    expect(performance.now() - started).toBeLessThan(500);
  });
});
