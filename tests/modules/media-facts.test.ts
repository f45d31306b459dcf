// Media facts the server reads itself, over real HTTP and the embedded S3-compatible store:
// media.confirmUpload takes the duration of audio and video (and a video's frame size) from the
// stored file with music-metadata — the client's durationSeconds/width/height are ignored — refuses
// a file that cannot be read as its declared kind (TYPE_MISMATCH, object deleted, quota released)
// and a length out of range (DURATION_OUT_OF_RANGE on durationSeconds: no length, over 24 h, or
// over 60 s for a video_short post). media.delete refuses a post's last media item
// (CONFLICT LAST_MEDIA_OF_POST). The files are real: assets/seed (made once with ffmpeg) and
// WAVs written here.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import type { MediaStore } from "../../src/lib/s3";
import { inspectAudioVideo } from "../../src/modules/media/media.inspect";
import { MAX_SHORT_VIDEO_SECONDS, wholeSeconds } from "../../src/modules/media/media.rules";
import type { RunningServer } from "../../src/server";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";
import { createPost } from "../helpers/factories";
import { type Authed, callersOf, expectErrorData as expectError, ok, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = {} as { t: TestDatabase; s: RunningServer };
beforeAll(async () => {
  ctx.t = await createTestDatabase();
  ctx.s = await startTestServer(ctx.t);
}, 60_000);
afterAll(async () => {
  if (ctx.s) {
    const keys: string[] = [];
    for await (const o of ctx.s.deps.media.list("")) keys.push(o.key);
    for (const key of keys) await ctx.s.deps.media.delete(key).catch(() => {});
  }
  await ctx.s?.stop();
  await ctx.t?.close();
});
const store = (): MediaStore => ctx.s.deps.media;
const { mutate, user } = callersOf(ctx);


// ── real files ──────────────────────────────────────────────────────────────────────────────────
const asset = (name: string) => new Uint8Array(readFileSync(join(import.meta.dir, "../../assets/seed", name)));
const SHORT_MP4 = asset("short.mp4"); // 6.02 s, 360x640, H.264 + AAC
const LONG_MP4 = asset("long.mp4"); // 300 s, 640x360, H.264 only
const SHORT_WEBM = asset("short.webm"); // 4.008 s, 320x320, VP9 + Opus
const CLIP_MOV = asset("clip.mov"); // 2 s QuickTime (music-metadata gives no frame size for it)
const AUDIO_ONLY_MP4 = asset("audio-only.mp4"); // an isom MP4 with one AAC track and no video
const TONE_MP3 = asset("tone.mp3"); // 3.03 s
const TONE_OGG = asset("tone.ogg"); // 3 s Opus

/** A 16-bit mono PCM WAV of a 440 Hz sine: `samples` samples at `rate` Hz. */
function sineWav(samples: number, rate = 8_000): Uint8Array {
  const out = Buffer.alloc(44 + samples * 2);
  out.write("RIFF", 0, "latin1");
  out.writeUInt32LE(out.length - 8, 4);
  out.write("WAVEfmt ", 8, "latin1");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "latin1");
  out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(8_000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
  return new Uint8Array(out);
}

// ── the upload flow ─────────────────────────────────────────────────────────────────────────────
interface Created { uploadId: string; uploadUrl: string; method: "PUT"; headers: Record<string, string>; fileKey: string }

async function upload(u: Authed, mimeType: string, body: Uint8Array): Promise<Created> {
  const created = ok(await mutate(u, "media.createUpload", { fileName: "file.bin", mimeType, sizeBytes: body.length })) as Created;
  const res = await fetch(created.uploadUrl, { method: created.method, headers: created.headers, body });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return created;
}
const confirm = (u: Authed, uploadId: string, extra: Record<string, unknown> = {}) => mutate(u, "media.confirmUpload", { uploadId, ...extra });

async function reservation(uploadId: string) {
  const [row] = await ctx.t.sql<{ status: string }[]>`SELECT status FROM upload_reservations WHERE id = ${uploadId}`;
  return row ?? null;
}
async function held(userId: string): Promise<number> {
  const [row] = await ctx.t.sql<{ n: number }[]>`
    SELECT COALESCE(sum(size_bytes), 0)::float8 AS n FROM upload_reservations
    WHERE user_id = ${userId} AND (status = 'confirmed' OR (status = 'pending' AND expires_at > NOW()))`;
  return row!.n;
}
async function usedBytes(userId: string): Promise<number> {
  const [row] = await ctx.t.sql<{ n: number }[]>`SELECT used_bytes::float8 AS n FROM storage_usage WHERE user_id = ${userId}`;
  return row!.n;
}

describe("media.confirmUpload: durations and frame sizes are read from the file", () => {
  test("video and audio of every allowed container: the server's duration, width and height replace the client's", async () => {
    const u = await user();
    const lie = { durationSeconds: 999, width: 7, height: 7 };
    const cases: [string, Uint8Array, { durationSeconds: number; width: number | null; height: number | null }][] = [
      ["video/mp4", SHORT_MP4, { durationSeconds: 6, width: 360, height: 640 }],
      ["video/mp4", LONG_MP4, { durationSeconds: 300, width: 640, height: 360 }],
      ["video/webm", SHORT_WEBM, { durationSeconds: 4, width: 320, height: 320 }],
      ["video/quicktime", CLIP_MOV, { durationSeconds: 2, width: null, height: null }],
      ["audio/mpeg", TONE_MP3, { durationSeconds: 3, width: null, height: null }],
      ["audio/ogg", TONE_OGG, { durationSeconds: 3, width: null, height: null }],
      ["audio/wav", sineWav(20_000), { durationSeconds: 3, width: null, height: null }], // 2.5 s rounds to 3
      ["audio/wav", sineWav(1_000), { durationSeconds: 1, width: null, height: null }], // 0.125 s is 1 s, never 0
    ];
    for (const [mimeType, body, want] of cases) {
      const created = await upload(u, mimeType, body);
      const view = ok(await confirm(u, created.uploadId, lie));
      expect({ mimeType, ...view }).toMatchObject({ mimeType, status: "confirmed", sizeBytes: body.length, thumbnailUrl: null, ...want });
      // Confirming again returns the same facts.
      expect(ok(await confirm(u, created.uploadId))).toMatchObject(want);
    }
  });

  test("attached to a post, post_media carries the same facts; post.create's uploadIds take them from the upload", async () => {
    const u = await user();
    const song = await createPost(ctx.t.sql, u.id, { type: "song", content: null });
    const video = await createPost(ctx.t.sql, u.id, { type: "video_long", content: null });
    ok(await confirm(u, (await upload(u, "audio/mpeg", TONE_MP3)).uploadId, { postId: song.id, durationSeconds: 200 }));
    ok(await confirm(u, (await upload(u, "video/mp4", LONG_MP4)).uploadId, { postId: video.id, width: 1920, height: 1080 }));
    const short = await upload(u, "video/webm", SHORT_WEBM);
    ok(await confirm(u, short.uploadId, { durationSeconds: 59 }));
    const post = ok(await mutate(u, "post.create", { type: "video_short", uploadIds: [short.uploadId], content: "clip" }));
    const rows = await ctx.t.sql<{ post_id: string; duration_seconds: number; width: number | null; height: number | null }[]>`
      SELECT post_id::text, duration_seconds, width, height FROM post_media WHERE user_id = ${u.id} ORDER BY id`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { post_id: song.id, duration_seconds: 3, width: null, height: null },
      { post_id: video.id, duration_seconds: 300, width: 640, height: 360 },
      { post_id: (post as { id: string }).id, duration_seconds: 4, width: 320, height: 320 },
    ]);
  });

  test("a file that cannot be read as its declared kind is TYPE_MISMATCH: object deleted, reservation rejected, quota released", async () => {
    const u = await user();
    const noMoov = (() => {
      // What file-type calls video/mp4 (an isom ftyp box), with media data but no movie header.
      const out = Buffer.alloc(4_096);
      out.writeUInt32BE(24, 0);
      out.write("ftypisom", 4, "latin1");
      out.writeUInt32BE(0x200, 12);
      out.write("isomiso2", 16, "latin1");
      out.writeUInt32BE(out.length - 24, 24);
      out.write("mdat", 28, "latin1");
      return new Uint8Array(out);
    })();
    const brokenFormat = sineWav(8_000);
    brokenFormat.fill(0, 20, 36); // the fmt chunk's codec, channels, rate and sample size gone
    const cases: [string, string, Uint8Array][] = [
      ["an audio-only MP4 as a video", "video/mp4", AUDIO_ONLY_MP4],
      ["an MP4 without a moov box", "video/mp4", noMoov],
      ["an MP4 cut inside its moov box", "video/mp4", SHORT_MP4.slice(0, 1_500)],
      ["a WAV whose fmt chunk is zeroed", "audio/wav", brokenFormat],
    ];
    for (const [what, mimeType, body] of cases) {
      const created = await upload(u, mimeType, body);
      const data = expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { appCode: "TYPE_MISMATCH" });
      expect({ what, declared: data.details?.declared }).toEqual({ what, declared: mimeType });
      expect({ what, status: (await reservation(created.uploadId))?.status }).toEqual({ what, status: "rejected" });
      expect({ what, object: await store().head(created.fileKey) }).toEqual({ what, object: null });
    }
    expect(await held(u.id)).toBe(0);
    expect(await usedBytes(u.id)).toBe(0);
    // The inspector agrees outside the HTTP path, and reads the good files.
    expect(await inspectAudioVideo(AUDIO_ONLY_MP4, "video", "video/mp4")).toBeNull();
    expect(await inspectAudioVideo(SHORT_WEBM, "audio", "video/webm")).toBeNull(); // a video is no audio file
    expect(wholeSeconds((await inspectAudioVideo(SHORT_MP4, "video", "video/mp4"))!.duration)).toBe(6);
  });

  test("a length out of range is BAD_REQUEST durationSeconds DURATION_OUT_OF_RANGE: none, over 24 h (refused and deleted)", async () => {
    const u = await user();
    const cases: [string, Uint8Array, number][] = [
      ["a WAV without samples", sineWav(0), 0],
      ["27.8 hours at 1 Hz", sineWav(100_000, 1), 100_000],
    ];
    for (const [what, body, seconds] of cases) {
      const created = await upload(u, "audio/wav", body);
      const data = expectError(await confirm(u, created.uploadId), "BAD_REQUEST", { field: "durationSeconds", appCode: "DURATION_OUT_OF_RANGE" });
      expect({ what, ...data.details }).toEqual({ what, durationSeconds: seconds, minSeconds: 1, maxSeconds: 86_400 });
      expect({ what, status: (await reservation(created.uploadId))?.status }).toEqual({ what, status: "rejected" });
      expect({ what, object: await store().head(created.fileKey) }).toEqual({ what, object: null });
    }
    expect(await held(u.id)).toBe(0);
  });

  test(`a video_short post takes at most ${MAX_SHORT_VIDEO_SECONDS} s: a longer video is refused for it (and stays confirmable), a video_long takes it`, async () => {
    const u = await user();
    const short = await createPost(ctx.t.sql, u.id, { type: "video_short", content: null });
    const long = await createPost(ctx.t.sql, u.id, { type: "video_long", content: null });
    const created = await upload(u, "video/mp4", LONG_MP4);
    const data = expectError(await confirm(u, created.uploadId, { postId: short.id }), "BAD_REQUEST", { field: "durationSeconds", appCode: "DURATION_OUT_OF_RANGE" });
    expect(data.details).toEqual({ durationSeconds: 300, minSeconds: 1, maxSeconds: MAX_SHORT_VIDEO_SECONDS });
    // Nothing was attached; the upload is still pending and its object kept: it fits a video_long post.
    expect((await reservation(created.uploadId))?.status).toBe("pending");
    expect(await store().head(created.fileKey)).not.toBeNull();
    expect(ok(await confirm(u, created.uploadId, { postId: long.id }))).toMatchObject({ status: "attached", durationSeconds: 300 });
    // A 6 s video fits the short post.
    expect(ok(await confirm(u, (await upload(u, "video/mp4", SHORT_MP4)).uploadId, { postId: short.id }))).toMatchObject({ status: "attached", durationSeconds: 6 });
  });

  test("post.create with uploadIds applies the same limit: a confirmed 300 s video cannot make a video_short post", async () => {
    const u = await user();
    const created = await upload(u, "video/mp4", LONG_MP4);
    ok(await confirm(u, created.uploadId));
    const data = expectError(await mutate(u, "post.create", { type: "video_short", uploadIds: [created.uploadId] }), "BAD_REQUEST", { field: "uploadIds", appCode: "DURATION_OUT_OF_RANGE" });
    expect(data.details).toEqual({ durationSeconds: 300, minSeconds: 1, maxSeconds: MAX_SHORT_VIDEO_SECONDS });
    expect((await reservation(created.uploadId))?.status).toBe("confirmed");
    expect(ok(await mutate(u, "post.create", { type: "video_long", uploadIds: [created.uploadId] })).type).toBe("video_long");
  });
});

describe("media.delete: a post keeps its last media item", () => {
  const png = async (w: number) => new Uint8Array(await sharp({ create: { width: w, height: 40, channels: 3, background: { r: 20, g: 120, b: 200 } } }).png().toBuffer());

  async function mediaPost(u: Authed, type: string, files: [string, Uint8Array][], status: "published" | "draft" | "scheduled" = "published") {
    const post = await createPost(ctx.t.sql, u.id, { type, status, content: null });
    const ids: string[] = [];
    for (const [mime, body] of files) ids.push((ok(await confirm(u, (await upload(u, mime, body)).uploadId, { postId: post.id })) as { mediaId: string }).mediaId);
    return { post, ids };
  }
  const mediaOf = async (postId: string) => {
    const [row] = await ctx.t.sql<{ n: number; urls: number; status: string; thumbnail_url: string | null }[]>`
      SELECT (SELECT count(*)::int FROM post_media WHERE post_id = p.id) AS n, COALESCE(json_array_length(p.media_urls::json), 0) AS urls,
             p.status::text AS status, p.thumbnail_url FROM posts p WHERE p.id = ${postId}`;
    return row!;
  };

  test("the only item of an image, video or song post (published, draft or scheduled) is CONFLICT LAST_MEDIA_OF_POST; nothing changes", async () => {
    const u = await user();
    const posts = [
      await mediaPost(u, "image", [["image/png", await png(60)]]),
      await mediaPost(u, "video_short", [["video/mp4", SHORT_MP4]], "draft"),
      await mediaPost(u, "song", [["audio/mpeg", TONE_MP3]], "scheduled"),
    ];
    const usedBefore = await usedBytes(u.id);
    for (const { post, ids } of posts) {
      const data = expectError(await mutate(u, "media.delete", { mediaId: ids[0] }), "CONFLICT", { appCode: "LAST_MEDIA_OF_POST" });
      expect(data.details.postId).toBe(post.id);
      const after = await mediaOf(post.id);
      expect({ n: after.n, urls: after.urls }).toEqual({ n: 1, urls: 1 });
    }
    expect(await usedBytes(u.id)).toBe(usedBefore);
    for (const key of (await ctx.t.sql<{ file_url: string }[]>`SELECT file_url FROM post_media WHERE user_id = ${u.id}`).map((r) => store().keyOfUrl(r.file_url)!)) {
      expect(await store().head(key)).not.toBeNull();
    }
    // Still so once the post is soft-deleted (it can be restored for 30 days; the purge removes the media after).
    ok(await mutate(u, "post.delete", { postId: posts[0]!.post.id }));
    expectError(await mutate(u, "media.delete", { mediaId: posts[0]!.ids[0] }), "CONFLICT", { appCode: "LAST_MEDIA_OF_POST" });
  });

  test("a gallery loses items down to one, never the last; media_urls and the thumbnail follow", async () => {
    const u = await user();
    const { post, ids } = await mediaPost(u, "image_gallery", [["image/png", await png(50)], ["image/png", await png(70)], ["image/png", await png(90)]]);
    ok(await mutate(u, "media.delete", { mediaId: ids[0] }));
    ok(await mutate(u, "media.delete", { mediaId: ids[2] }));
    expectError(await mutate(u, "media.delete", { mediaId: ids[1] }), "CONFLICT", { appCode: "LAST_MEDIA_OF_POST" });
    const after = await mediaOf(post.id);
    const [left] = await ctx.t.sql<{ thumbnail_url: string }[]>`SELECT thumbnail_url FROM post_media WHERE id = ${ids[1]!}`;
    expect(after).toEqual({ n: 1, urls: 1, status: "published", thumbnail_url: left!.thumbnail_url });
    // Someone else's media id stays NOT_FOUND (not CONFLICT: nothing about the post is told).
    expectError(await mutate(await user(), "media.delete", { mediaId: ids[1] }), "NOT_FOUND");
  });

  test.skipIf(!canRunConcurrently)("two concurrent deletes of a two-item album: exactly one wins, the other is LAST_MEDIA_OF_POST", async () => {
    const u = await user();
    for (let round = 0; round < 3; round++) {
      const { post, ids } = await mediaPost(u, "album", [["audio/wav", sineWav(8_000)], ["audio/wav", sineWav(9_000)]]);
      const results = await Promise.all(ids.map((mediaId) => mutate(u, "media.delete", { mediaId })));
      expect(results.filter((r) => r.status === 200).length).toBe(1);
      expectError(results.find((r) => r.status !== 200)!, "CONFLICT", { appCode: "LAST_MEDIA_OF_POST" });
      expect((await mediaOf(post.id)).n).toBe(1);
    }
  });
});
