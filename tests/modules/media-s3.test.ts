// What only a real S3 enforces, against the one named by TEST_S3_* (Ceph RGW in CI:
// `bash .ci/ceph-rgw.sh start; eval "$(bash .ci/ceph-rgw.sh env)"`): SigV4 signatures, URL expiry,
// the signed Content-Length / Content-Type / Cache-Control of the app's presigned PUT, and the
// bucket's CORS rule, which the server applies at start (S3_CONFIGURE_BUCKET=true). s3rver checks
// none of it (tests/modules/media.test.ts runs every other media case on both stores).
// Skipped without TEST_S3_ENDPOINT. Objects are written under users/{id}/ with ids no other run
// uses (the user sequence starts at a random point) and deleted afterwards.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { randomUUID } from "node:crypto";
import { GetBucketCorsCommand } from "@aws-sdk/client-s3";
import sharp from "sharp";
import { env as processEnv } from "../../src/env";
import { IMMUTABLE_CACHE_CONTROL, s3Client, type MediaStore } from "../../src/lib/s3";
import type { RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { type Authed, callersOf, ok, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const enabled = Boolean(processEnv.TEST_S3_ENDPOINT);
const ALLOWED = "http://localhost:5173";

describe.skipIf(!enabled)("a real S3 (TEST_S3_ENDPOINT) enforces what the app signs", () => {
  const ctx = {} as { t: TestDatabase; s: RunningServer; extra: RunningServer[] };
  const userIds: string[] = [];
  beforeAll(async () => {
    ctx.t = await createTestDatabase();
    await ctx.t.sql.unsafe(`ALTER SEQUENCE users_id_seq RESTART WITH ${1e11 + Math.floor(Math.random() * 8e11)}`);
    ctx.s = await startTestServer(ctx.t, {}, { store: "s3" });
    ctx.extra = [];
  }, 60_000);
  afterAll(async () => {
    if (ctx.s) {
      const keys: string[] = [];
      for (const id of userIds) for await (const o of ctx.s.deps.media.list(`users/${id}/`)) keys.push(o.key);
      for (const key of keys) await ctx.s.deps.media.delete(key).catch(() => {});
    }
    for (const s of ctx.extra ?? []) await s.stop();
    await ctx.s?.stop();
    await ctx.t?.close();
  });

  const store = (): MediaStore => ctx.s.deps.media;
  const callers = callersOf(ctx);
  const user = async (): Promise<Authed> => {
    const u = await callers.user();
    userIds.push(u.id);
    return u;
  };
  const png = async (w: number, h: number) => new Uint8Array(await sharp({ create: { width: w, height: h, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer());
  const keyFor = (u: Authed) => `users/${u.id}/posts/${randomUUID()}.png`;
  const signed = (key: string, body: Uint8Array, seconds = 300) => store().presignPut(key, "image/png", body.length, seconds);
  const put = async (url: string, body: Uint8Array, headers: Record<string, string>) => {
    const res = await fetch(url, { method: "PUT", body, headers });
    const text = await res.text();
    return { status: res.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? null, headers: res.headers };
  };
  const stored = async (key: string) => (await store().head(key)) !== null;

  test("the store is the real one, strict, and its upload URLs carry no checksum parameters", async () => {
    expect(store().kind).toBe("s3");
    expect(store().enforcesPresignedConditions).toBe(true);
    const u = await user();
    const created = ok(await callers.mutate(u, "media.createUpload", { fileName: "a.png", mimeType: "image/png", sizeBytes: 1000 }));
    const url = new URL(created.uploadUrl);
    expect(url.origin).toBe(new URL(processEnv.TEST_S3_ENDPOINT!).origin);
    expect([...url.searchParams.keys()].filter((k) => /^x-amz-(checksum-|sdk-checksum-algorithm)/i.test(k))).toEqual([]);
  });

  test("the exact signed request is stored; a tampered signature is 403 SignatureDoesNotMatch, and nothing is stored", async () => {
    const u = await user();
    const body = await png(10, 10);
    const good = keyFor(u);
    const a = await signed(good, body);
    expect((await put(a.url, body, a.headers)).status).toBe(200);
    expect(await store().head(good)).toEqual({ size: body.length, contentType: "image/png" });

    const bad = keyFor(u);
    const b = await signed(bad, body);
    const url = new URL(b.url);
    const signature = url.searchParams.get("X-Amz-Signature")!;
    url.searchParams.set("X-Amz-Signature", `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`);
    expect(await put(url.toString(), body, b.headers)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    // Another key under the same signature is refused too.
    expect((await put(b.url.replace(bad, keyFor(u)), body, b.headers)).status).toBe(403);
    expect(await stored(bad)).toBe(false);
  });

  test("an expired upload URL is 403", async () => {
    const u = await user();
    const body = await png(11, 11);
    const key = keyFor(u);
    const { url, headers } = await signed(key, body, 1);
    await Bun.sleep(2_100);
    expect((await put(url, body, headers)).status).toBe(403);
    expect(await stored(key)).toBe(false);
  });

  test("a body longer (or shorter) than the signed Content-Length is refused, and nothing is stored", async () => {
    const u = await user();
    const body = await png(12, 12);
    const key = keyFor(u);
    const { url, headers } = await signed(key, body);
    const { "Content-Length": _signed, ...rest } = headers; // fetch sends the real length
    const longer = new Uint8Array(body.length + 1_000);
    longer.set(body);
    expect(await put(url, longer, rest)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    expect((await put(url, body.slice(0, body.length - 1), rest)).status).toBe(403);
    expect(await stored(key)).toBe(false);
    expect((await put(url, body, headers)).status).toBe(200); // the signed length itself still goes through
  });

  test("another Content-Type (or no Cache-Control) than signed is 403, and nothing is stored", async () => {
    const u = await user();
    const body = await png(13, 13);
    const key = keyFor(u);
    const { url, headers } = await signed(key, body);
    expect(await put(url, body, { ...headers, "Content-Type": "text/html" })).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    expect((await put(url, body, { ...headers, "Content-Type": "image/svg+xml" })).status).toBe(403);
    const { "Cache-Control": _cache, ...noCache } = headers;
    expect((await put(url, body, noCache)).status).toBe(403);
    expect(await stored(key)).toBe(false);
  });

  test("the bucket has the CORS rule for ALLOWED_ORIGINS (applied at start: S3_CONFIGURE_BUCKET)", async () => {
    const client = s3Client({
      endpoint: processEnv.TEST_S3_ENDPOINT!, region: processEnv.TEST_S3_REGION,
      credentials: { accessKeyId: processEnv.TEST_S3_ACCESS_KEY_ID!, secretAccessKey: processEnv.TEST_S3_SECRET_ACCESS_KEY! },
    });
    try {
      const out = await client.send(new GetBucketCorsCommand({ Bucket: store().bucket }));
      expect(out.CORSRules?.length).toBe(1);
      const rule = out.CORSRules![0]!;
      expect([...rule.AllowedOrigins!].sort()).toEqual(["http://localhost:3000", ALLOWED]);
      expect([...rule.AllowedMethods!].sort()).toEqual(["GET", "HEAD", "POST", "PUT"]);
      expect(rule.ExposeHeaders).toEqual(["ETag"]);
    } finally {
      client.destroy();
    }
  });

  test("bucket CORS: a preflight from an allowed origin is allowed; from another origin (or for DELETE) refused; the PUT exposes ETag", async () => {
    const u = await user();
    const body = await png(14, 14);
    const key = keyFor(u);
    const { url, headers } = await signed(key, body);
    const preflight = (origin: string, method = "PUT") => fetch(url, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": method, "access-control-request-headers": "cache-control,content-type" },
    });
    const allowed = await preflight(ALLOWED);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(allowed.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    await allowed.arrayBuffer();
    for (const [origin, method] of [["https://evil.example", "PUT"], ["http://localhost:5174", "PUT"], [ALLOWED, "DELETE"]] as const) {
      const refused = await preflight(origin, method);
      expect([origin, method, refused.status, refused.headers.get("access-control-allow-origin")]).toEqual([origin, method, 403, null]);
      await refused.arrayBuffer();
    }
    const res = await put(url, body, { ...headers, origin: ALLOWED });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("etag");
  });

  test("a confirmed upload's public URL serves the bytes: through GET /media by default; a URL naming the private bucket itself would not", async () => {
    const u = await user();
    const body = await png(40, 30);
    const created = ok(await callers.mutate(u, "media.createUpload", { fileName: "a.png", mimeType: "image/png", sizeBytes: body.length }));
    expect((await put(created.uploadUrl, body, created.headers)).status).toBe(200);
    const view = ok(await callers.mutate(u, "media.confirmUpload", { uploadId: created.uploadId }));
    expect(view.url).toBe(`${ctx.s.url}/media/${created.fileKey}`);
    const res = await fetch(view.url);
    expect([res.status, res.headers.get("content-type"), res.headers.get("cache-control")]).toEqual([200, "image/png", IMMUTABLE_CACHE_CONTROL]);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);

    // S3_PUBLIC_URL set to the bucket's own URL gives URLs an anonymous browser cannot read while
    // the bucket is private: it must be a CDN with read access, or the bucket needs a public-read policy.
    const direct = await startTestServer(ctx.t, { S3_PUBLIC_URL: `${processEnv.TEST_S3_ENDPOINT!.replace(/\/+$/, "")}/${store().bucket}`, S3_CONFIGURE_BUCKET: "false" }, { store: "s3" });
    ctx.extra.push(direct);
    expect(direct.deps.media.publicUrl(created.fileKey)).toBe(`${processEnv.TEST_S3_ENDPOINT!.replace(/\/+$/, "")}/${store().bucket}/${created.fileKey}`);
    const anonymous = await fetch(direct.deps.media.publicUrl(created.fileKey));
    expect(anonymous.status).toBe(403);
    await anonymous.arrayBuffer();
  });
});
