// The development seed: the spec's distribution (accounts, the exact post mix, storage spread,
// social graph, interactions, feeds, sections, messaging), counters and friendships derived by the
// triggers, every stored config valid, real media files in the media store (each one what
// confirmUpload would accept, its size the row's file_size_bytes), and a second run replacing the
// first with identical data, the same ids and the same object keys.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type postgres from "postgres";
import { logger } from "../../src/lib/logger";
import { openMediaStore, type MediaStore } from "../../src/lib/s3";
import { inspectAudioVideo, inspectImage, SNIFF_BYTES, sniffMime } from "../../src/modules/media/media.inspect";
import { durationProblem, MIME_RULES, thumbnailKey, wholeSeconds } from "../../src/modules/media/media.rules";
import { verifyPassword } from "../../src/modules/auth/password";
import { sql as dsql } from "drizzle-orm";
import { compileFilters } from "../../src/modules/feed/feed.compile";
import { algorithmConfigSchema } from "../../src/modules/feed/feed.schema";
import { extractTags } from "../../src/modules/post/post.render";
import { parseSectionConfig, type SectionType } from "../../src/modules/section/section.schema";
import { updateBackgroundInput, updateMusicInput, updateStyleInput } from "../../src/modules/user/user.schema";
import {
  isEmptyDatabase, SEED_ACCOUNTS, SEED_EMAIL_DOMAIN, SEED_PASSWORD, SEED_POST_MIX, seedDatabase, type SeedReport,
} from "../../src/db/seed";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createUser, follow } from "../helpers/factories";
import { testEnv } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

// Creating the database (PGlite: migrating in memory), argon2 and the seed itself take seconds.
const HOOK_TIMEOUT = 60_000;
const MiB = 1024 * 1024;
const DOMAIN = `%@${SEED_EMAIL_DOMAIN}`;

let t: TestDatabase;
let sql: postgres.Sql;
let media: MediaStore;
let s3Dir: string;
let emptyBefore: boolean;
let first: SeedReport;
const logs: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  sql = t.sql;
  // The embedded S3-compatible store, in a throwaway directory (the seed writes ~260 MB into it).
  s3Dir = mkdtempSync(join(tmpdir(), "vrss-seed-s3-"));
  media = await openMediaStore(testEnv(), logger.child({}, { level: "silent" }), { dataDir: s3Dir, appUrl: "http://vrss.test" });
  emptyBefore = await isEmptyDatabase(sql);
  first = await seedDatabase(sql, { media, log: (m) => logs.push(m) });
}, HOOK_TIMEOUT);
afterAll(async () => {
  await media?.close();
  if (s3Dir) rmSync(s3Dir, { recursive: true, force: true });
  await t?.close();
}, HOOK_TIMEOUT);

const n = async (q: PromiseLike<{ n: number }[]>) => (await q)[0]!.n;
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const seedIds = async () => (await sql<{ id: string }[]>`SELECT id::text AS id FROM users WHERE LOWER(email) LIKE ${DOMAIN}`).map((r) => r.id);
const idArray = (ids: string[]) => `{${ids.join(",")}}`;
const usernames = (pred: (a: (typeof SEED_ACCOUNTS)[number]) => boolean) => `{${SEED_ACCOUNTS.filter(pred).map((a) => a.username).join(",")}}`;

/** Every denormalized counter equals its source rows (the triggers kept them). */
async function expectCountersMatchRows() {
  const posts = await n(sql`
    SELECT count(*)::int AS n FROM posts p WHERE
      p.likes_count <> (SELECT count(*) FROM post_interactions i WHERE i.post_id = p.id AND i.type = 'like')
      OR p.comments_count <> (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL)
      OR p.reposts_count <> (SELECT count(*) FROM reposts r WHERE r.post_id = p.id)`);
  expect(posts).toBe(0);
  const comments = await n(sql`
    SELECT count(*)::int AS n FROM comments c
    WHERE c.replies_count <> (SELECT count(*) FROM comments r WHERE r.parent_comment_id = c.id AND r.deleted_at IS NULL)`);
  expect(comments).toBe(0);
  const storage = await n(sql`
    SELECT count(*)::int AS n FROM storage_usage s WHERE
      s.used_bytes <> (SELECT COALESCE(sum(file_size_bytes), 0) FROM post_media m WHERE m.user_id = s.user_id)
      OR s.used_bytes <> s.images_bytes + s.videos_bytes + s.audio_bytes + s.other_bytes`);
  expect(storage).toBe(0);
  // Totals are not trivially zero: the counters carry the seed's interactions.
  const [sums] = await sql<{ likes: number; comments: number; reposts: number }[]>`
    SELECT sum(likes_count)::int AS likes, sum(comments_count)::int AS comments, sum(reposts_count)::int AS reposts FROM posts`;
  expect(sums!.likes).toBeGreaterThanOrEqual(200);
  expect(sums!.comments).toBeGreaterThanOrEqual(100);
  expect(sums!.reposts).toBeGreaterThanOrEqual(20);
}

/** What must be identical between two runs: counts, (username, content) pairs, storage per account. */
async function snapshot() {
  const posts = await sql<{ username: string; type: string; status: string; content: string | null }[]>`
    SELECT u.username, p.type::text AS type, p.status::text AS status, p.content
    FROM posts p JOIN users u ON u.id = p.user_id WHERE LOWER(u.email) LIKE ${DOMAIN}
    ORDER BY u.username, p.type, p.content, p.status`;
  const storage = await sql<{ username: string; used: string }[]>`
    SELECT u.username, s.used_bytes::text AS used FROM storage_usage s JOIN users u ON u.id = s.user_id
    WHERE LOWER(u.email) LIKE ${DOMAIN} ORDER BY u.username`;
  const follows = await sql<{ a: string; b: string }[]>`
    SELECT fa.username AS a, fb.username AS b FROM user_follows f
    JOIN users fa ON fa.id = f.follower_id JOIN users fb ON fb.id = f.following_id
    WHERE LOWER(fa.email) LIKE ${DOMAIN} ORDER BY 1, 2`;
  const comments = await sql<{ username: string; content: string; parent: boolean }[]>`
    SELECT u.username, c.content, c.parent_comment_id IS NOT NULL AS parent FROM comments c JOIN users u ON u.id = c.user_id
    WHERE LOWER(u.email) LIKE ${DOMAIN} ORDER BY 1, 2, 3`;
  return { posts: [...posts], storage: [...storage], follows: [...follows], comments: [...comments] };
}

describe("seed: accounts", () => {
  test("an empty database reports empty; after seeding it does not", async () => {
    expect(emptyBefore).toBe(true);
    expect(await isEmptyDatabase(sql)).toBe(false);
    expect(first.removedPreviousAccounts).toBe(0);
    expect(logs.length).toBeGreaterThan(0);
  });

  test("20 accounts: 5 popular, 12 regular (2 of them suspended), 3 new; a mix of profile visibility", async () => {
    expect(SEED_ACCOUNTS.length).toBe(20);
    expect(first.users).toEqual({
      total: 20, popular: 5, regular: 12, new: 3, suspended: 2, byVisibility: { followers: 2, private: 1, public: 17 },
    });
    const rows = await sql<{ username: string; status: string; visibility: string }[]>`
      SELECT u.username, u.status, p.visibility FROM users u JOIN user_profiles p ON p.user_id = u.id
      WHERE LOWER(u.email) LIKE ${DOMAIN} ORDER BY u.username`;
    expect(rows.length).toBe(20);
    for (const r of rows) {
      const account = SEED_ACCOUNTS.find((a) => a.username === r.username)!;
      expect(r.status).toBe(account.suspended ? "suspended" : "active");
      expect(r.visibility).toBe(account.visibility);
    }
  });

  test("every account has a profile with valid background/style (and some music) configs", async () => {
    const profiles = await sql<{ display_name: string | null; bio: string | null; background_config: unknown; style_config: unknown; music_config: unknown }[]>`
      SELECT p.display_name, p.bio, p.background_config, p.style_config, p.music_config
      FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE LOWER(u.email) LIKE ${DOMAIN}`;
    expect(profiles.length).toBe(20);
    let withMusic = 0;
    for (const p of profiles) {
      expect(p.display_name).toBeTruthy();
      expect(updateBackgroundInput.safeParse(p.background_config).success).toBe(true);
      expect(updateStyleInput.safeParse(p.style_config).success).toBe(true);
      if (p.music_config !== null) {
        withMusic++;
        expect(updateMusicInput.safeParse(p.music_config).success).toBe(true);
      }
    }
    expect(withMusic).toBeGreaterThanOrEqual(2);
    expect(profiles.filter((p) => p.bio).length).toBeGreaterThanOrEqual(15);
  });

  test("one password hash for every account, and it is the printed dev password", async () => {
    const hashes = await sql<{ password_hash: string }[]>`SELECT DISTINCT password_hash FROM users WHERE LOWER(email) LIKE ${DOMAIN}`;
    expect(hashes.length).toBe(1);
    expect(await verifyPassword(hashes[0]!.password_hash, SEED_PASSWORD)).toBe(true);
    expect(first.logins.length).toBeGreaterThanOrEqual(3);
    for (const login of first.logins) {
      expect(login.password).toBe(SEED_PASSWORD);
      expect(await n(sql`SELECT count(*)::int AS n FROM users WHERE email = ${login.email}`)).toBe(1);
    }
  });
});

describe("seed: posts and storage", () => {
  test("the exact post mix of the spec, 60% from popular accounts, drafts and scheduled posts", async () => {
    const byType = await sql<{ type: string; n: number }[]>`
      SELECT p.type::text AS type, count(*)::int AS n FROM posts p JOIN users u ON u.id = p.user_id
      WHERE LOWER(u.email) LIKE ${DOMAIN} GROUP BY 1`;
    expect(Object.fromEntries(byType.map((r) => [r.type, r.n]))).toEqual(SEED_POST_MIX);
    expect(first.posts.byType).toEqual(SEED_POST_MIX);
    expect(first.posts.total).toBe(104);
    expect(first.posts.byStatus).toEqual({ draft: 3, published: 98, scheduled: 3 });
    const popular = await n(sql`
      SELECT count(*)::int AS n FROM posts p JOIN users u ON u.id = p.user_id
      WHERE u.username = ANY(${usernames((a) => a.role === "popular")}::text[])`);
    expect(popular).toBe(first.posts.fromPopular);
    expect(popular / first.posts.total).toBeGreaterThanOrEqual(0.6);
    // new accounts post 0–3 times
    const perNew = await sql<{ n: number }[]>`
      SELECT (SELECT count(*)::int FROM posts p WHERE p.user_id = u.id) AS n FROM users u
      WHERE u.username = ANY(${usernames((a) => a.role === "new")}::text[])`;
    for (const r of perNew) expect(r.n).toBeLessThanOrEqual(3);
  });

  test("status rules: scheduled in the future, published within 60 days with created_at = published_at", async () => {
    const bad = await n(sql`
      SELECT count(*)::int AS n FROM posts p JOIN users u ON u.id = p.user_id WHERE LOWER(u.email) LIKE ${DOMAIN} AND NOT (
        (p.status = 'scheduled' AND p.scheduled_for > NOW() AND p.published_at IS NULL)
        OR (p.status = 'draft' AND p.published_at IS NULL AND p.scheduled_for IS NULL)
        OR (p.status = 'published' AND p.published_at = p.created_at AND p.published_at > NOW() - interval '60 days'
            AND p.published_at <= NOW() AND p.published_at >= u.created_at))`);
    expect(bad).toBe(0);
  });

  test("media: post_media rows of the right kind and count per post type, at the store's URLs in the upload layout", async () => {
    const rows = await sql<{ type: string; kinds: string[]; n: number; urls_ok: boolean; media_urls_n: number }[]>`
      SELECT p.type::text AS type, COALESCE(array_agg(DISTINCT m.type::text) FILTER (WHERE m.id IS NOT NULL), '{}') AS kinds,
             count(m.id)::int AS n,
             bool_and(m.id IS NULL OR (m.file_url ~ ('^' || ${reEscape(media.publicBaseUrl)} || '/users/' || p.user_id || '/posts/[0-9a-f-]{36}\\.[a-z0-9]+$')
                                      AND m.file_size_bytes > 0 AND m.mime_type ~ '^(image|video|audio)/')) AS urls_ok,
             COALESCE(jsonb_array_length(p.media_urls), 0) AS media_urls_n
      FROM posts p JOIN users u ON u.id = p.user_id LEFT JOIN post_media m ON m.post_id = p.id
      WHERE LOWER(u.email) LIKE ${DOMAIN} GROUP BY p.id`;
    const want: Record<string, { kinds: string[]; min: number; max: number }> = {
      text_short: { kinds: [], min: 0, max: 0 }, text_long: { kinds: [], min: 0, max: 0 },
      image: { kinds: ["image"], min: 1, max: 1 }, image_gallery: { kinds: ["image"], min: 2, max: 20 },
      gif: { kinds: ["gif"], min: 1, max: 1 }, video_short: { kinds: ["video"], min: 1, max: 1 },
      video_long: { kinds: ["video"], min: 1, max: 1 }, song: { kinds: ["audio"], min: 1, max: 1 }, album: { kinds: ["audio"], min: 2, max: 50 },
    };
    expect(rows.length).toBe(104);
    for (const r of rows) {
      const w = want[r.type]!;
      expect(r.kinds).toEqual(w.kinds);
      expect(r.n).toBeGreaterThanOrEqual(w.min);
      expect(r.n).toBeLessThanOrEqual(w.max);
      expect(r.urls_ok).toBe(true);
      expect(r.media_urls_n).toBe(r.n);
    }
  });

  test("content carries #tags (post_tags = extractTags) and @mentions (linked in content_html)", async () => {
    const posts = await sql<{ id: string; content: string | null; content_html: string | null; tags: string[] }[]>`
      SELECT p.id::text AS id, p.content, p.content_html,
             COALESCE((SELECT array_agg(t.tag ORDER BY t.tag) FROM post_tags t WHERE t.post_id = p.id), '{}') AS tags
      FROM posts p JOIN users u ON u.id = p.user_id WHERE LOWER(u.email) LIKE ${DOMAIN}`;
    for (const p of posts) {
      expect(p.tags).toEqual(extractTags(p.content).sort());
      if (p.content !== null) expect(p.content_html).not.toBeNull();
    }
    expect(posts.filter((p) => p.tags.length > 0).length).toBeGreaterThanOrEqual(90);
    const mentions = await n(sql`
      SELECT count(*)::int AS n FROM post_mentions m JOIN posts p ON p.id = m.post_id JOIN users a ON a.id = m.mentioned_user_id
      WHERE p.content_html LIKE '%<a href="/@' || a.username || '" class="mention">%' AND p.user_id <> a.id`);
    expect(mentions).toBeGreaterThanOrEqual(5);
    expect(mentions).toBe(first.posts.mentions);
  });

  test("storage spread: 2 accounts near quota, 10 at 10–20 MB, 8 under 5 MB, none over quota", async () => {
    const rows = await sql<{ username: string; used: number; quota: number }[]>`
      SELECT u.username, s.used_bytes::int AS used, s.quota_bytes::int AS quota
      FROM storage_usage s JOIN users u ON u.id = s.user_id WHERE LOWER(u.email) LIKE ${DOMAIN}`;
    expect(rows.length).toBe(20);
    const near = rows.filter((r) => r.used >= 40 * MiB && r.used <= 50 * MiB);
    expect(near.length).toBe(2);
    expect(rows.filter((r) => r.used >= 10 * MiB && r.used <= 20 * MiB).length).toBe(10);
    expect(rows.filter((r) => r.used < 5 * MiB).length).toBe(8);
    for (const r of rows) expect(r.used).toBeLessThanOrEqual(r.quota);
    for (const r of near) expect(Math.abs(r.used - 45 * MiB)).toBeLessThanOrEqual(MiB);
    expect(first.storage).toMatchObject({ nearQuota: 2, moderate: 10, minimal: 8, other: 0, overQuota: 0 });
  });
});

interface SeededFile { id: string; post_type: string | null; user_id: string; kind: string; url: string; thumbnail_url: string | null; size: number; mime: string; width: number | null; height: number | null; duration: number | null }
/** Every seeded post media row, and every seeded profile upload (backgrounds, music, cover art). */
async function seededFiles(): Promise<SeededFile[]> {
  return [...await sql<SeededFile[]>`
    SELECT m.id::text AS id, p.type::text AS post_type, m.user_id::text AS user_id, m.type::text AS kind, m.file_url AS url, m.thumbnail_url,
           m.file_size_bytes::int AS size, m.mime_type AS mime, m.width, m.height, m.duration_seconds AS duration
    FROM post_media m JOIN posts p ON p.id = m.post_id JOIN users u ON u.id = m.user_id WHERE LOWER(u.email) LIKE ${DOMAIN}
    UNION ALL
    SELECT 'upload:' || r.id, NULL, r.user_id::text, r.media_type::text, r.file_url, r.thumbnail_url, r.size_bytes::int, r.mime_type,
           r.width, r.height, r.duration_seconds
    FROM upload_reservations r JOIN users u ON u.id = r.user_id WHERE LOWER(u.email) LIKE ${DOMAIN} AND r.status = 'confirmed'
    ORDER BY 1`];
}

describe("seed: what issue 19 added", () => {
  test("two pinned posts, a content warning, a quote of a visible post and an open poll with three votes", async () => {
    expect(await n(sql`SELECT count(*)::int AS n FROM posts p JOIN users u ON u.id = p.user_id WHERE u.username = 'maya_chen' AND p.pinned_at IS NOT NULL`)).toBe(2);
    expect(await n(sql`SELECT count(*)::int AS n FROM posts WHERE spoiler_text IS NOT NULL`)).toBe(1);
    expect(await n(sql`SELECT count(*)::int AS n FROM posts p JOIN posts q ON q.id = p.quote_of_post_id
                       WHERE q.status = 'published' AND q.deleted_at IS NULL`)).toBe(1);
    const [poll] = await sql<{ voters: number; votes: number[]; open: boolean }[]>`
      SELECT voters_count AS voters, option_votes AS votes, expires_at > NOW() AS open FROM polls`;
    expect(poll).toEqual({ voters: 3, votes: [2, 1, 0], open: true });
  });
});

describe("seed: media files in the store", () => {
  test("the store holds every seeded file: HEAD gives the row's size and type, and thumbnails exist", async () => {
    const files = await seededFiles();
    expect(files.length).toBeGreaterThanOrEqual(first.posts.media + 5);
    let thumbnails = 0;
    for (const f of files) {
      const key = media.keyOfUrl(f.url);
      expect(key).not.toBeNull();
      const head = await media.head(key!);
      expect({ url: f.url, size: head?.size, type: head?.contentType }).toEqual({ url: f.url, size: f.size, type: f.mime });
      if (f.thumbnail_url) {
        expect(media.keyOfUrl(f.thumbnail_url)).toBe(thumbnailKey(key!));
        expect((await media.head(thumbnailKey(key!)))?.contentType).toBe("image/webp");
        thumbnails++;
      }
      // Images and GIFs have thumbnails as confirmUpload makes them; audio and video have none.
      expect(f.thumbnail_url !== null).toBe(f.kind === "image" || f.kind === "gif");
    }
    expect(thumbnails).toBeGreaterThan(20);
    // Every kind and several containers are represented.
    expect(new Set(files.map((f) => f.mime))).toEqual(new Set(["image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/webm", "audio/wav"]));
    expect(first.storedObjects).toBe(files.length + thumbnails);
  });

  test("each stored file is what confirmUpload accepts, and reads back as the row says (size, type, dimensions, duration)", async () => {
    for (const f of await seededFiles()) {
      const bytes = await media.read(media.keyOfUrl(f.url)!);
      const rule = MIME_RULES[f.mime]!;
      expect(rule.kind).toBe(f.kind as typeof rule.kind);
      expect(bytes.length).toBe(f.size);
      expect(bytes.length).toBeLessThanOrEqual(rule.maxBytes);
      expect(rule.sniffedAs).toContain((await sniffMime(bytes.subarray(0, SNIFF_BYTES)))!);
      if (rule.kind === "image" || rule.kind === "gif") {
        const facts = await inspectImage(bytes);
        const read: Record<string, unknown> = { url: f.url, width: facts?.width, height: facts?.height, duration: null };
        expect(read).toEqual({ url: f.url, width: f.width, height: f.height, duration: f.duration });
      } else {
        const facts = await inspectAudioVideo(bytes, rule.kind, f.mime);
        expect(facts).not.toBeNull();
        const read: Record<string, unknown> = { url: f.url, width: facts!.width, height: facts!.height, duration: wholeSeconds(facts!.duration) };
        expect(read).toEqual({ url: f.url, width: f.width, height: f.height, duration: f.duration });
        expect(durationProblem(rule.kind, f.duration, f.post_type ?? undefined)).toBeNull();
      }
    }
  }, 120_000);

  test("real lengths: short videos ≤ 60 s, long videos minutes, songs minutes; sizes of the planned media types", async () => {
    const rows = await sql<{ type: string; mime: string; min: number; max: number; w: number | null; h: number | null }[]>`
      SELECT p.type::text AS type, m.mime_type AS mime, min(m.duration_seconds) AS min, max(m.duration_seconds) AS max, min(m.width) AS w, min(m.height) AS h
      FROM post_media m JOIN posts p ON p.id = m.post_id WHERE m.type IN ('video', 'audio') GROUP BY 1, 2 ORDER BY 1, 2`;
    const by = Object.fromEntries(rows.map((r) => [`${r.type} ${r.mime}`, r]));
    expect(by["video_short video/mp4"]).toMatchObject({ min: 6, max: 6, w: 360, h: 640 });
    expect(by["video_short video/webm"]).toMatchObject({ min: 4, max: 4, w: 320, h: 320 });
    expect(by["video_long video/mp4"]).toMatchObject({ min: 300, max: 300, w: 640, h: 360 });
    for (const type of ["song", "album"]) {
      expect(by[`${type} audio/wav`]!.min).toBeGreaterThanOrEqual(10);
      expect(by[`${type} audio/wav`]!.max).toBeLessThanOrEqual(20 * 60);
    }
  });

  test("media rows come with the uploads that made them: attached post uploads, confirmed profile uploads; used + held fits the quota", async () => {
    const unmatched = await n(sql`
      SELECT count(*)::int AS n FROM post_media m WHERE NOT EXISTS (
        SELECT 1 FROM upload_reservations r WHERE r.media_id = m.id AND r.status = 'attached' AND r.purpose = 'post'
          AND r.file_url = m.file_url AND r.size_bytes = m.file_size_bytes AND r.user_id = m.user_id AND r.mime_type = m.mime_type)`);
    expect(unmatched).toBe(0);
    expect(await n(sql`SELECT count(*)::int AS n FROM upload_reservations WHERE status = 'attached'`)).toBe(first.posts.media);
    // Backgrounds and music point at their owner's confirmed profile uploads (what user.updateBackground requires).
    const profiles = await sql<{ username: string; background: string | null; music: string | null; ok_bg: boolean; ok_music: boolean }[]>`
      SELECT u.username, p.background_config->>'value' AS background, p.music_config->>'url' AS music,
             EXISTS (SELECT 1 FROM upload_reservations r WHERE r.user_id = u.id AND r.file_url = p.background_config->>'value'
                     AND r.status = 'confirmed' AND r.purpose = 'profile' AND r.media_type = 'image') AS ok_bg,
             EXISTS (SELECT 1 FROM upload_reservations r WHERE r.user_id = u.id AND r.file_url = p.music_config->>'url'
                     AND r.status = 'confirmed' AND r.purpose = 'profile' AND r.media_type = 'audio') AS ok_music
      FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE LOWER(u.email) LIKE ${DOMAIN}`;
    const withImage = profiles.filter((p) => p.background?.startsWith("http"));
    expect(withImage.length).toBeGreaterThanOrEqual(2);
    for (const p of withImage) expect(p.ok_bg).toBe(true);
    const withMusic = profiles.filter((p) => p.music);
    expect(withMusic.length).toBeGreaterThanOrEqual(2);
    for (const p of withMusic) expect(p.ok_music).toBe(true);
    // No seeded URL points anywhere but the store.
    const elsewhere = await n(sql`
      SELECT ((SELECT count(*) FROM section_content WHERE url IS NOT NULL AND content_type = 'image' AND url NOT LIKE ${`${media.publicBaseUrl}/%`})
            + (SELECT count(*) FROM posts WHERE thumbnail_url NOT LIKE ${`${media.publicBaseUrl}/%`}))::int AS n`);
    expect(elsewhere).toBe(0);
    const over = await n(sql`
      SELECT count(*)::int AS n FROM storage_usage s WHERE s.used_bytes + (SELECT COALESCE(sum(size_bytes), 0) FROM upload_reservations r
        WHERE r.user_id = s.user_id AND r.status = 'confirmed') > s.quota_bytes`);
    expect(over).toBe(0);
  });
});

describe("seed: social graph and interactions", () => {
  test("50+ follows, popular accounts collect most; friendships (10+) exist exactly for mutual follows", async () => {
    expect(first.follows).toBeGreaterThanOrEqual(50);
    expect(first.friendships).toBeGreaterThanOrEqual(10);
    const mutualPairs = await n(sql`
      SELECT count(*)::int AS n FROM user_follows a JOIN user_follows b ON b.follower_id = a.following_id AND b.following_id = a.follower_id
      WHERE a.follower_id < a.following_id`);
    const friendships = await n(sql`SELECT count(*)::int AS n FROM friendships`);
    expect(friendships).toBe(mutualPairs);
    expect(friendships).toBe(first.friendships);
    const unmatched = await n(sql`
      SELECT count(*)::int AS n FROM friendships f WHERE NOT EXISTS (
        SELECT 1 FROM user_follows a JOIN user_follows b ON b.follower_id = a.following_id AND b.following_id = a.follower_id
        WHERE a.follower_id = f.user_id_1 AND a.following_id = f.user_id_2)`);
    expect(unmatched).toBe(0);

    const followers = await sql<{ username: string; n: number }[]>`
      SELECT u.username, (SELECT count(*)::int FROM user_follows f WHERE f.following_id = u.id) AS n
      FROM users u WHERE LOWER(u.email) LIKE ${DOMAIN}`;
    const of = (role: string) => followers.filter((f) => SEED_ACCOUNTS.find((a) => a.username === f.username)!.role === role).map((f) => f.n);
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.min(...of("popular"))).toBeGreaterThan(Math.max(...of("new")));
    expect(avg(of("popular"))).toBeGreaterThan(2 * avg(of("regular")));
    for (const x of of("new")) expect(x).toBeLessThanOrEqual(2);
  });

  test("200+ likes, bookmarks, 100+ comments with nested replies, 20+ reposts (some with a comment)", async () => {
    expect(first.likes).toBeGreaterThanOrEqual(200);
    expect(first.bookmarks).toBeGreaterThan(0);
    expect(first.comments).toBeGreaterThanOrEqual(100);
    expect(first.replies).toBeGreaterThan(0);
    expect(first.reposts).toBeGreaterThanOrEqual(20);
    expect(first.repostsWithComment).toBeGreaterThan(0);
    expect(first.repostsWithComment).toBeLessThan(first.reposts);
    expect(await n(sql`SELECT count(*)::int AS n FROM post_interactions WHERE type = 'like'`)).toBe(first.likes);
    expect(await n(sql`SELECT count(*)::int AS n FROM comments`)).toBe(first.comments);
    expect(await n(sql`SELECT count(*)::int AS n FROM reposts`)).toBe(first.reposts);
    const nested = await n(sql`
      SELECT count(*)::int AS n FROM comments c JOIN comments p ON p.id = c.parent_comment_id WHERE p.parent_comment_id IS NOT NULL`);
    expect(nested).toBeGreaterThan(0);
  });

  test("interactions are plausible: on published posts, after publication, never by suspended accounts or on own posts", async () => {
    const bad = await n(sql`
      SELECT (
        (SELECT count(*) FROM post_interactions i JOIN posts p ON p.id = i.post_id JOIN users u ON u.id = i.user_id
         WHERE p.status <> 'published' OR i.created_at < p.published_at OR u.status <> 'active' OR i.user_id = p.user_id)
      + (SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id JOIN users u ON u.id = c.user_id
         WHERE p.status <> 'published' OR c.created_at < p.published_at OR u.status <> 'active' OR c.created_at > NOW())
      + (SELECT count(*) FROM comments c JOIN comments parent ON parent.id = c.parent_comment_id
         WHERE c.created_at <= parent.created_at OR c.post_id <> parent.post_id)
      + (SELECT count(*) FROM reposts r JOIN posts p ON p.id = r.post_id
         WHERE p.status <> 'published' OR r.created_at < p.published_at OR r.user_id = p.user_id)
      )::int AS n`);
    expect(bad).toBe(0);
  });

  test("counters equal their source rows (kept by the triggers)", async () => {
    await expectCountersMatchRows();
  });
});

describe("seed: feeds, sections, lists, messaging, notifications", () => {
  test("10 custom feeds; each stored config is algorithmConfigSchema's output, with matching feed_filters rows", async () => {
    const feeds = await sql<{ id: string; name: string; algorithm_config: unknown }[]>`
      SELECT f.id::text AS id, f.name, f.algorithm_config FROM custom_feeds f JOIN users u ON u.id = f.user_id
      WHERE LOWER(u.email) LIKE ${DOMAIN} ORDER BY f.id`;
    expect(feeds.length).toBe(10);
    expect(first.feeds).toBe(10);
    for (const name of ["Only Videos", "Popular This Week", "Friends Only", "Text Posts", "Music"]) {
      expect(feeds.map((f) => f.name)).toContain(name);
    }
    let filterRows = 0;
    for (const feed of feeds) {
      const parsed = algorithmConfigSchema.parse(feed.algorithm_config);
      expect(parsed).toEqual(feed.algorithm_config as typeof parsed);
      const filters = await sql<{ type: string; operator: string; value: unknown; group_id: number; logical_operator: string; display_order: number }[]>`
        SELECT type::text, operator::text, value, group_id, logical_operator, display_order
        FROM feed_filters WHERE feed_id = ${feed.id} ORDER BY display_order`;
      expect(filters.map((f) => ({ ...f }))).toEqual(parsed.filters.map((f, i) => ({
        type: f.type, operator: f.operator, value: f.value as unknown, group_id: f.groupId, logical_operator: f.logicalOperator, display_order: i,
      })));
      filterRows += filters.length;
    }
    expect(filterRows).toBe(first.feedFilters);
    const videos = feeds.find((f) => f.name === "Only Videos")!.algorithm_config as { filters: { value: unknown }[] };
    expect(videos.filters[0]!.value).toEqual(["video_short", "video_long"]);
  });

  test("every seeded feed compiles and matches published posts for its owner", async () => {
    const feeds = await sql<{ name: string; user_id: string; algorithm_config: unknown }[]>`
      SELECT f.name, f.user_id::text AS user_id, f.algorithm_config FROM custom_feeds f`;
    const matches: Record<string, number> = {};
    for (const feed of feeds) {
      const where = compileFilters(algorithmConfigSchema.parse(feed.algorithm_config), feed.user_id);
      const rows = (await t.db.execute(dsql`
        SELECT count(*)::int AS n FROM posts p WHERE p.status = 'published' AND p.deleted_at IS NULL AND ${where}`)) as unknown as { n: number }[];
      matches[feed.name] = rows[0]!.n;
    }
    const publishedVideos = await n(sql`
      SELECT count(*)::int AS n FROM posts WHERE status = 'published' AND type IN ('video_short', 'video_long')`);
    expect(publishedVideos).toBeGreaterThan(0);
    expect(matches["Only Videos"]).toBe(publishedVideos);
    for (const name of ["Popular This Week", "Friends Only", "Text Posts", "Music", "Art & Illustration", "Photo Dump", "No Text"]) {
      expect(matches[name]).toBeGreaterThan(0);
    }
  });

  test("15+ profile sections with valid configs, some with content items; a list section points at its owner's list", async () => {
    const sections = await sql<{ id: string; user_id: string; type: SectionType; config: Record<string, unknown>; items: number }[]>`
      SELECT s.id::text AS id, s.user_id::text AS user_id, s.type::text AS type, s.config,
             (SELECT count(*)::int FROM section_content c WHERE c.section_id = s.id) AS items
      FROM profile_sections s JOIN users u ON u.id = s.user_id WHERE LOWER(u.email) LIKE ${DOMAIN}`;
    expect(sections.length).toBeGreaterThanOrEqual(15);
    expect(new Set(sections.map((s) => s.user_id)).size).toBeGreaterThanOrEqual(5);
    for (const s of sections) expect(parseSectionConfig(s.type, s.config)).toEqual(s.config);
    expect(sections.filter((s) => s.items > 0).length).toBeGreaterThanOrEqual(5);
    const listSections = sections.filter((s) => s.type === "list");
    expect(listSections.length).toBeGreaterThanOrEqual(1);
    for (const s of listSections) {
      expect(await n(sql`SELECT count(*)::int AS n FROM user_lists WHERE id = ${String(s.config.listId)} AND user_id = ${s.user_id}`)).toBe(1);
    }
  });

  test("user lists with members", async () => {
    expect(first.lists).toBeGreaterThanOrEqual(2);
    const empty = await n(sql`
      SELECT count(*)::int AS n FROM user_lists l WHERE NOT EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = l.id)`);
    expect(empty).toBe(0);
    expect(first.listMembers).toBeGreaterThanOrEqual(first.lists * 2);
  });

  test("10 conversations (1:1 and group) with 50+ messages, sorted participants, consistent read_by and last_message_at", async () => {
    const ids = await seedIds();
    const convs = await sql<{ id: string; size: number; sorted: boolean; distinct_ok: boolean; seeded: boolean; last_ok: boolean; messages: number }[]>`
      SELECT c.id::text AS id, cardinality(c.participant_ids) AS size,
             c.participant_ids = ARRAY(SELECT x FROM unnest(c.participant_ids) x ORDER BY x) AS sorted,
             cardinality(c.participant_ids) = (SELECT count(DISTINCT x) FROM unnest(c.participant_ids) x) AS distinct_ok,
             c.participant_ids <@ ${idArray(ids)}::bigint[] AS seeded,
             c.last_message_at = (SELECT max(m.created_at) FROM messages m WHERE m.conversation_id = c.id) AS last_ok,
             (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id) AS messages
      FROM conversations c`;
    expect(convs.length).toBe(10);
    expect(first.conversations).toBe(10);
    expect(convs.some((c) => c.size === 2)).toBe(true);
    expect(convs.some((c) => c.size > 2)).toBe(true);
    for (const c of convs) {
      expect(c.size).toBeGreaterThanOrEqual(2);
      expect(c).toMatchObject({ sorted: true, distinct_ok: true, seeded: true, last_ok: true });
      expect(c.messages).toBeGreaterThanOrEqual(2);
    }
    expect(first.messages).toBeGreaterThanOrEqual(50);
    const bad = await n(sql`
      SELECT count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE NOT (m.sender_id = ANY(c.participant_ids)) OR NOT (m.sender_id = ANY(m.read_by)) OR NOT (m.read_by <@ c.participant_ids)`);
    expect(bad).toBe(0);
    const distinctTimes = await n(sql`SELECT count(DISTINCT created_at)::int AS n FROM messages`);
    expect(distinctTimes).toBe(first.messages);
    const unreadSomewhere = await n(sql`
      SELECT count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE cardinality(m.read_by) < cardinality(c.participant_ids)`);
    expect(unreadSomewhere).toBeGreaterThan(0);
    // What message.start and message.send maintain: a 1:1 key per pair, and read markers that
    // agree with read_by (so the seeded conversations show real unread counts).
    const unkeyed = await n(sql`SELECT count(*)::int AS n FROM conversations WHERE cardinality(participant_ids) = 2 AND direct_key IS NULL`);
    expect(unkeyed).toBe(0);
    const markerMismatch = await n(sql`
      SELECT count(*)::int AS n FROM conversation_participants cp
      WHERE cp.last_message_id <> (SELECT max(id) FROM messages m WHERE m.conversation_id = cp.conversation_id)
         OR cp.last_read_message_id <> COALESCE((SELECT max(id) FROM messages m WHERE m.conversation_id = cp.conversation_id
                                                 AND (m.sender_id = cp.user_id OR m.read_by @> ARRAY[cp.user_id])), 0)`);
    expect(markerMismatch).toBe(0);
    const withUnread = await n(sql`SELECT count(*)::int AS n FROM conversation_participants WHERE last_message_id > last_read_message_id`);
    expect(withUnread).toBeGreaterThan(0);
  });

  test("notifications of follows, likes and comments, each with actor, title and link", async () => {
    const rows = await sql<{ type: string; n: number; complete: boolean }[]>`
      SELECT type::text AS type, count(*)::int AS n,
             bool_and(actor_id IS NOT NULL AND title ~ '[^[:space:]]' AND action_url IS NOT NULL
                      AND (type = 'follow' OR post_id IS NOT NULL) AND (type <> 'comment' OR comment_id IS NOT NULL)) AS complete
      FROM notifications GROUP BY 1 ORDER BY 1`;
    expect(rows.map((r) => r.type)).toEqual(["comment", "follow", "like"]);
    for (const r of rows) {
      expect(r.n).toBeGreaterThan(0);
      expect(r.complete).toBe(true);
    }
    expect(rows.reduce((s, r) => s + r.n, 0)).toBe(first.notifications);
  });
});

describe("seed: re-running", () => {
  test("a second run replaces the seed accounts with identical data and leaves other accounts alone", async () => {
    const before = await snapshot();
    const oldIds = await seedIds();
    const oldPosts = (await sql<{ id: string }[]>`SELECT id::text AS id FROM posts`).map((r) => r.id);
    const filesBefore = (await seededFiles()).map((f) => [f.url, f.size, f.mime]).sort();
    // A real (non-seed) account that follows a seed account and sits in a list of its own.
    const outsider = await createUser(sql, { username: "not_a_seed_user" });
    await follow(sql, outsider.id, oldIds[0]!);
    // An object no seeded row names, under a seed account's prefix (an earlier plan's file).
    const strayKey = `users/${oldIds[0]}/posts/00000000-0000-4000-8000-000000000000.png`;
    await media.put(strayKey, new Uint8Array([1, 2, 3]), "image/png");

    const second = await seedDatabase(sql, { media });
    expect(second.removedPreviousAccounts).toBe(20);
    const strip = ({ durationMs: _d, removedPreviousAccounts: _r, ...rest }: SeedReport) => rest;
    expect(strip(second)).toEqual(strip(first));
    expect(await snapshot()).toEqual(before);

    // The accounts come back with their ids, so their media keys and URLs are the same; every row is new.
    expect((await seedIds()).sort()).toEqual([...oldIds].sort());
    expect(await n(sql`SELECT count(*)::int AS n FROM posts WHERE id = ANY(${idArray(oldPosts)}::bigint[])`)).toBe(0);
    expect((await seededFiles()).map((f) => [f.url, f.size, f.mime]).sort()).toEqual(filesBefore);
    expect(await media.head(strayKey)).toBeNull();
    let objects = 0;
    for (const id of oldIds) for await (const _ of media.list(`users/${id}/`)) objects++;
    expect(objects).toBe(second.storedObjects);

    expect(await n(sql`SELECT count(*)::int AS n FROM users`)).toBe(21);
    expect(await n(sql`SELECT count(*)::int AS n FROM users WHERE id = ${outsider.id}`)).toBe(1);
    expect(await n(sql`SELECT count(*)::int AS n FROM user_follows WHERE follower_id = ${outsider.id}`)).toBe(0); // cascaded
    expect(await n(sql`SELECT count(*)::int AS n FROM conversations`)).toBe(10);
    expect(await n(sql`SELECT count(*)::int AS n FROM custom_feeds`)).toBe(10);
    await expectCountersMatchRows();
  }, 120_000);
});
