// Building and expiring account archives (the jobs of src/jobs/export-jobs.ts).
//
// Build (buildPendingExports, every few seconds):
//  * Claim: one autocommit UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) takes the oldest
//    pending export — or a running one whose lease has passed (its worker died) — and writes this
//    worker's lease (locked_by, locked_until), renewed every lease/3 while it builds. Two processes
//    never build the same export; a build that lost its lease stops at its next page and records
//    nothing. A claim counts as an attempt: after MAX_EXPORT_ATTEMPTS the export fails instead.
//  * Archive: JSON files, one per kind, written into a ZIP in a temporary file with fflate's
//    streaming Zip (account.archive.ts), reading the database a page at a time by keyset — no
//    transaction stays open, and memory holds one page (at most POSTS_PAGE_ROWS posts, PAGE_ROWS
//    smaller rows, or one list's ≤ 1,000 members) plus one file's deflate state, never the archive.
//    The temporary file (the archive's size on local disk) is deleted when the build ends.
//  * Upload: a presigned PUT of the media store, the file streamed from disk as the body, then a
//    HEAD to check the stored size. Key exports/<userId>/<id>-<128 random bits>.zip, chosen at the
//    first claim and kept, so a retried build overwrites its own leftovers.
//  * Ready: in one transaction the row (fenced on this worker's lease) becomes ready with
//    expires_at = now + ARCHIVE_TTL_DAYS, and the owner gets an 'export' notification.
//  * Failure: the store or the database unavailable → back to pending, retried at the next run
//    (until the attempts are spent); anything else → failed, with a message fit for the owner (the
//    error itself goes to the log, through the logger's redaction), and the object is deleted.
//
// Expire (expireExports, hourly): ready archives past expires_at lose their object first, then
// their row says expired (a failed delete leaves the row for the next run: never a ready row
// without its object); failed and expired rows are forgotten after EXPORT_ROW_RETENTION_DAYS; with
// `sweepOlderThanMs`, objects under exports/ that no live export names are deleted.
//
// Media bytes are not copied into the archive: posts.json names every media item's URL, storage
// key and metadata. Archives are not charged to the owner's storage quota (storage_usage is never
// touched): they are the server's copy of data already counted, kept a week.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { anyBigint, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { toTRPCError } from "../../lib/errors";
import type { Logger } from "../../lib/logger";
import { storageUnavailable, type MediaStore } from "../../lib/s3";
import { notifyAccount } from "../notification/notification.service";
import { JsonArrayWriter, ZipArchive } from "./account.archive";
import { ARCHIVE_TTL_DAYS, EXPORT_KEY_PREFIX, EXPORT_ROW_RETENTION_DAYS, EXPORTS_ACTION_URL } from "./account.schema";

/** An export's lease without a renewal: how long a dead worker delays its retry. */
export const EXPORT_LEASE_MS = 60_000;
/** Claims of one export before it is marked failed (a build that keeps crashing its process). */
export const MAX_EXPORT_ATTEMPTS = 3;
/** Exports one run of the build job takes on at most (the next run continues). */
export const MAX_BUILDS_PER_RUN = 10;
/** Rows per page: small rows (follows, likes, members, comments, messages). */
export const PAGE_ROWS = 500;
/** Posts per page (a long post is up to 100,000 characters, and its rendered HTML too). */
export const POSTS_PAGE_ROWS = 50;
/** The archive's format: what manifest.json says, for readers of older archives. */
export const ARCHIVE_FORMAT = { name: "vrss-account-export", version: 1 } as const;

const GENERIC_FAILURE = "The archive could not be built. Please request a new export.";
const INACTIVE_FAILURE = "The account is not active.";

const msInterval = (ms: number): SQL => sql`(${ms}::double precision * interval '1 millisecond')`;

// ---------------------------------------------------------------------------------------------
// Rows as they go into the archive

/**
 * Every column of the row named `alias` as JSON, ids (`id`, `*_id`) and id arrays (`*_ids`) as
 * strings as on the wire (to_jsonb makes BIGINTs numbers). Whole rows on purpose: a column added
 * to posts or comments later is exported without touching this file; only tables whose every
 * column is the owner's own content are read this way (users is not: it holds the password hash).
 */
/** Tables whose rows belong to one account by user_id and page by id (identifiers only from this list). */
const OWNED_BY_ID = ["comments", "reposts", "user_lists", "custom_feeds"] as const;

/** One keyset page of the subject's own rows of `table` after id `after`: (id, row as JSON). */
function ownRowsPage(table: (typeof OWNED_BY_ID)[number], userId: string, after: string | null, limit: number): SQL {
  if (!OWNED_BY_ID.includes(table)) throw new Error(`not an exported table: ${table}`);
  return sql`
    SELECT t.id, ${rowJson("t")} AS row FROM ${sql.identifier(table)} t
    WHERE t.user_id = ${userId} ${after ? sql`AND t.id > ${after}::bigint` : sql``} ORDER BY t.id LIMIT ${limit}`;
}

function rowJson(alias: string): SQL {
  return sql`(SELECT jsonb_object_agg(f.key, CASE
      WHEN f.key ~ '(^|_)id$' AND jsonb_typeof(f.value) = 'number' THEN to_jsonb(f.value #>> '{}')
      WHEN f.key ~ '_ids$' AND jsonb_typeof(f.value) = 'array'
        THEN COALESCE((SELECT jsonb_agg(x.value #>> '{}') FROM jsonb_array_elements(f.value) x), '[]'::jsonb)
      ELSE f.value END)
    FROM jsonb_each(to_jsonb(${sql.identifier(alias)})) f)`;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?|Z)$/;
const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const isoTime = (value: string | null | undefined) => (value ? new Date(value).toISOString() : null);

/** A row of rowJson for the archive: camelCase keys, times in ISO 8601 UTC, `drop` left out. */
function exportRow(row: Record<string, unknown>, drop: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (drop.includes(key)) continue;
    out[camel(key)] = /(_at|_for)$/.test(key) && typeof value === "string" && TIMESTAMP.test(value) ? new Date(value).toISOString() : value;
  }
  return out;
}

function append<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Keyset paging: fetches pages after the last row's cursor until a short page. */
async function eachPage<T, C>(
  size: number,
  fetchPage: (after: C | null) => Promise<T[]>,
  cursorOf: (last: T) => C,
  onPage: (rows: T[]) => Promise<void> | void,
): Promise<void> {
  let after: C | null = null;
  for (;;) {
    const rows = await fetchPage(after);
    if (rows.length) await onPage(rows);
    if (rows.length < size) return;
    after = cursorOf(rows[rows.length - 1]!);
  }
}

/** Newest first by (time, id): `time <= t AND (time < t OR id < i)` keeps the index's leading range. */
const beforeCursor = (time: SQL, id: SQL, after: { at: string; id: string } | null): SQL =>
  after ? sql`AND ${time} <= ${after.at}::timestamptz AND (${time} < ${after.at}::timestamptz OR ${id} < ${after.id}::bigint)` : sql``;

// ---------------------------------------------------------------------------------------------
// The archive's files

export interface ExportCounts {
  sections: number;
  posts: number;
  media: number;
  comments: number;
  reposts: number;
  following: number;
  followers: number;
  lists: number;
  listMembers: number;
  feeds: number;
  likes: number;
  bookmarks: number;
  messages: number;
}

interface ExportSubject {
  exportId: string;
  userId: string;
  username: string;
  requestedAt: string;
}

/** Guards a long build: throws when the lease is gone (another worker may have the export now). */
type Alive = () => void;

const README = (s: ExportSubject, generatedAt: string) => `VRSS account archive
====================

Account:    @${s.username} (id ${s.userId})
Requested:  ${s.requestedAt}
Generated:  ${generatedAt}

Every file is JSON (UTF-8). Ids are strings; times are ISO 8601 in UTC.

  manifest.json   the archive's format and version, when it was made, and how many records each file holds
  profile.json    your account, your profile's settings and design, and your profile sections with their items
  posts.json      every post you wrote, drafts and scheduled ones included, and deleted ones still kept
                  ("deletedAt" set), each with its tags and its media
  comments.json   every comment you wrote, on anyone's posts
  reposts.json    the posts you reposted, with your comment
  follows.json    the accounts you follow ("following") and the accounts that follow you ("followers")
  lists.json      your lists, each with its members
  feeds.json      your custom feeds, each with its filters
  likes.json      the posts you liked
  bookmarks.json  the posts you bookmarked
  messages.json   the messages you sent, with the conversation and who it went to. Messages others
                  sent you are theirs and are not included.

Media files (pictures, videos, music) are not copied into the archive: each media item in
posts.json names its file ("fileUrl", with "key", the file's name in our storage), its type, size
and dimensions. The URLs work while the post exists; download the files you want to keep.

This archive was made at your request and is deleted from our servers ${ARCHIVE_TTL_DAYS} days after it was generated.
`;

async function writeProfile(db: DbOrTx, archive: ZipArchive, s: ExportSubject, counts: ExportCounts, alive: Alive): Promise<void> {
  // users: named columns only (never password_hash).
  const account = await one<Record<string, unknown>>(db, sql`
    SELECT u.id::text AS id, u.username, u.email, u.email_verified, u.status, u.role, u.created_at, u.last_login_at
    FROM users u WHERE u.id = ${s.userId}`);
  const profile = await one<{ row: Record<string, unknown> }>(db, sql`
    SELECT ${rowJson("up")} AS row FROM user_profiles up WHERE up.user_id = ${s.userId}`);
  const sections = await many<{ id: string; row: Record<string, unknown> }>(db, sql`
    SELECT s.id, ${rowJson("s")} AS row FROM profile_sections s WHERE s.user_id = ${s.userId} ORDER BY s.display_order, s.id`);
  const items = sections.length
    ? await many<{ section_id: string; row: Record<string, unknown> }>(db, sql`
        SELECT sc.section_id::text AS section_id, ${rowJson("sc")} AS row FROM section_content sc
        WHERE sc.section_id = ${anyBigint(sections.map((x) => x.id))} ORDER BY sc.section_id, sc.display_order, sc.id`)
    : [];
  alive();
  const itemsBySection = new Map<string, Record<string, unknown>[]>();
  for (const item of items) append(itemsBySection, item.section_id, exportRow(item.row, ["section_id"]));
  counts.sections = sections.length;
  const body = {
    account: account ? exportRow(account) : null,
    profile: profile ? exportRow(profile.row, ["id", "user_id"]) : null,
    sections: sections.map((x) => ({ ...exportRow(x.row, ["user_id"]), items: itemsBySection.get(x.id) ?? [] })),
  };
  archive.file("profile.json", `${JSON.stringify(body, null, 2)}\n`);
}

async function writePosts(db: DbOrTx, media: MediaStore, archive: ZipArchive, s: ExportSubject, counts: ExportCounts, alive: Alive): Promise<void> {
  archive.startFile("posts.json");
  const out = new JsonArrayWriter(archive);
  // Status by status (every value of the enum), newest first: each is a range of idx_posts_user_status.
  const statuses = await many<{ status: string }>(db, sql`SELECT unnest(enum_range(NULL::post_status))::text AS status`);
  for (const { status } of statuses) {
    await eachPage<{ id: string; at: string; row: Record<string, unknown> }, { at: string; id: string }>(
      POSTS_PAGE_ROWS,
      (after) => many(db, sql`
        SELECT p.id, p.created_at AS at, ${rowJson("p")} AS row FROM posts p
        WHERE p.user_id = ${s.userId} AND p.status = ${status}::post_status ${beforeCursor(sql`p.created_at`, sql`p.id`, after)}
        ORDER BY p.created_at DESC, p.id DESC LIMIT ${POSTS_PAGE_ROWS}`),
      (last) => ({ at: last.at, id: last.id }),
      async (rows) => {
        const ids = anyBigint(rows.map((r) => r.id));
        const mediaRows = await many<{ post_id: string; row: Record<string, unknown> }>(db, sql`
          SELECT pm.post_id::text AS post_id, ${rowJson("pm")} AS row FROM post_media pm
          WHERE pm.post_id = ${ids} ORDER BY pm.post_id, pm.display_order, pm.id`);
        const tagRows = await many<{ post_id: string; tag: string }>(db, sql`
          SELECT post_id::text AS post_id, tag FROM post_tags WHERE post_id = ${ids} ORDER BY post_id, tag`);
        alive();
        // Each object's key in the store beside its URL (null for a URL that is not ours).
        const keyOf = (url: unknown) => (typeof url === "string" ? media.keyOfUrl(url) : null);
        const mediaOf = new Map<string, Record<string, unknown>[]>();
        for (const m of mediaRows) {
          append(mediaOf, m.post_id, { ...exportRow(m.row, ["post_id", "user_id"]), key: keyOf(m.row.file_url), thumbnailKey: keyOf(m.row.thumbnail_url) });
        }
        const tagsOf = new Map<string, string[]>();
        for (const t of tagRows) append(tagsOf, t.post_id, t.tag);
        counts.media += mediaRows.length;
        out.push(rows.map((r) => ({ ...exportRow(r.row, ["user_id"]), tags: tagsOf.get(r.id) ?? [], media: mediaOf.get(r.id) ?? [] })));
      },
    );
  }
  counts.posts = out.count;
  out.end();
  archive.write("\n");
  archive.endFile();
}

/** A file holding one JSON array, filled page by page by keyset on id (ascending). */
async function writeById(
  db: DbOrTx,
  archive: ZipArchive,
  alive: Alive,
  name: string,
  query: (after: string | null) => SQL,
  toItem: (row: Record<string, unknown>) => unknown,
): Promise<number> {
  archive.startFile(name);
  const out = new JsonArrayWriter(archive);
  await eachPage<Record<string, unknown> & { id: string }, string>(
    PAGE_ROWS,
    (after) => many(db, query(after)),
    (last) => last.id,
    (rows) => {
      alive();
      out.push(rows.map(toItem));
    },
  );
  out.end();
  archive.write("\n");
  archive.endFile();
  return out.count;
}

async function writeFollows(db: DbOrTx, archive: ZipArchive, s: ExportSubject, counts: ExportCounts, alive: Alive): Promise<void> {
  archive.startFile("follows.json");
  const side = async (label: string, mine: SQL, other: SQL) => {
    archive.write(`${label === "following" ? "{\n" : ",\n"}  "${label}": `);
    const out = new JsonArrayWriter(archive, "    ");
    await eachPage<{ id: string; at: string; user_id: string; username: string }, { at: string; id: string }>(
      PAGE_ROWS,
      (after) => many(db, sql`
        SELECT f.id, f.created_at AS at, u.id::text AS user_id, u.username
        FROM user_follows f JOIN users u ON u.id = ${other}
        WHERE ${mine} = ${s.userId} ${beforeCursor(sql`f.created_at`, sql`f.id`, after)}
        ORDER BY f.created_at DESC, f.id DESC LIMIT ${PAGE_ROWS}`),
      (last) => ({ at: last.at, id: last.id }),
      (rows) => {
        alive();
        out.push(rows.map((r) => ({ userId: r.user_id, username: r.username, since: isoTime(r.at) })));
      },
    );
    out.end();
    return out.count;
  };
  counts.following = await side("following", sql`f.follower_id`, sql`f.following_id`);
  counts.followers = await side("followers", sql`f.following_id`, sql`f.follower_id`);
  archive.write("\n}\n");
  archive.endFile();
}

async function writeLists(db: DbOrTx, archive: ZipArchive, s: ExportSubject, counts: ExportCounts, alive: Alive): Promise<void> {
  archive.startFile("lists.json");
  const out = new JsonArrayWriter(archive);
  await eachPage<{ id: string; row: Record<string, unknown> }, string>(
    50,
    (after) => many(db, ownRowsPage("user_lists", s.userId, after, 50)),
    (last) => last.id,
    async (lists) => {
      for (const list of lists) {
        // One list's members at a time (≤ MAX_MEMBERS_PER_LIST), by keyset on list_members_unique.
        const members: { userId: string; username: string; addedAt: string | null }[] = [];
        await eachPage<{ member_user_id: string; username: string; added_at: string }, string>(
          PAGE_ROWS,
          (after) => many(db, sql`
            SELECT lm.member_user_id::text AS member_user_id, u.username, lm.added_at
            FROM list_members lm JOIN users u ON u.id = lm.member_user_id
            WHERE lm.list_id = ${list.id} ${after ? sql`AND lm.member_user_id > ${after}::bigint` : sql``}
            ORDER BY lm.member_user_id LIMIT ${PAGE_ROWS}`),
          (last) => last.member_user_id,
          (rows) => {
            alive();
            for (const r of rows) members.push({ userId: r.member_user_id, username: r.username, addedAt: isoTime(r.added_at) });
          },
        );
        counts.listMembers += members.length;
        out.push([{ ...exportRow(list.row, ["user_id"]), members }]);
      }
    },
  );
  counts.lists = out.count;
  out.end();
  archive.write("\n");
  archive.endFile();
}

async function writeFeeds(db: DbOrTx, archive: ZipArchive, s: ExportSubject, counts: ExportCounts, alive: Alive): Promise<void> {
  archive.startFile("feeds.json");
  const out = new JsonArrayWriter(archive);
  await eachPage<{ id: string; row: Record<string, unknown> }, string>(
    50,
    (after) => many(db, ownRowsPage("custom_feeds", s.userId, after, 50)),
    (last) => last.id,
    async (feeds) => {
      const filters = await many<{ feed_id: string; row: Record<string, unknown> }>(db, sql`
        SELECT ff.feed_id::text AS feed_id, ${rowJson("ff")} AS row FROM feed_filters ff
        WHERE ff.feed_id = ${anyBigint(feeds.map((f) => f.id))} ORDER BY ff.feed_id, ff.group_id, ff.display_order, ff.id`);
      alive();
      const of = new Map<string, Record<string, unknown>[]>();
      for (const f of filters) append(of, f.feed_id, exportRow(f.row, ["feed_id"]));
      out.push(feeds.map((f) => ({ ...exportRow(f.row, ["user_id"]), filters: of.get(f.id) ?? [] })));
    },
  );
  counts.feeds = out.count;
  out.end();
  archive.write("\n");
  archive.endFile();
}

async function writeInteractions(db: DbOrTx, archive: ZipArchive, s: ExportSubject, type: "like" | "bookmark", alive: Alive): Promise<number> {
  archive.startFile(type === "like" ? "likes.json" : "bookmarks.json");
  const out = new JsonArrayWriter(archive);
  // A range of post_interactions_unique (user_id, post_id, type).
  await eachPage<{ post_id: string; created_at: string }, string>(
    PAGE_ROWS,
    (after) => many(db, sql`
      SELECT pi.post_id::text AS post_id, pi.created_at FROM post_interactions pi
      WHERE pi.user_id = ${s.userId} AND pi.type = ${type}::interaction_type ${after ? sql`AND pi.post_id > ${after}::bigint` : sql``}
      ORDER BY pi.post_id LIMIT ${PAGE_ROWS}`),
    (last) => last.post_id,
    (rows) => {
      alive();
      out.push(rows.map((r) => ({ postId: r.post_id, createdAt: isoTime(r.created_at) })));
    },
  );
  out.end();
  archive.write("\n");
  archive.endFile();
  return out.count;
}

async function writeMessages(db: DbOrTx, archive: ZipArchive, s: ExportSubject, counts: ExportCounts, alive: Alive): Promise<void> {
  archive.startFile("messages.json");
  const out = new JsonArrayWriter(archive);
  // Only what the owner sent (messages_sender_id_idx); read_by is left out (it is about the readers).
  await eachPage<{ id: string; conversation_id: string; content: string; created_at: string; updated_at: string; deleted_at: string | null }, string>(
    PAGE_ROWS,
    (after) => many(db, sql`
      SELECT m.id::text AS id, m.conversation_id::text AS conversation_id, m.content, m.created_at, m.updated_at, m.deleted_at
      FROM messages m
      WHERE m.sender_id = ${s.userId} ${after ? sql`AND m.id > ${after}::bigint` : sql``}
      ORDER BY m.id LIMIT ${PAGE_ROWS}`),
    (last) => last.id,
    async (rows) => {
      const conversations = [...new Set(rows.map((r) => r.conversation_id))];
      const participants = await many<{ conversation_id: string; id: string; username: string }>(db, sql`
        SELECT cp.conversation_id::text AS conversation_id, u.id::text AS id, u.username
        FROM conversation_participants cp JOIN users u ON u.id = cp.user_id
        WHERE cp.conversation_id = ${anyBigint(conversations)} AND cp.user_id <> ${s.userId}
        ORDER BY cp.conversation_id, u.id`);
      alive();
      const to = new Map<string, { id: string; username: string }[]>();
      for (const p of participants) append(to, p.conversation_id, { id: p.id, username: p.username });
      out.push(rows.map((r) => ({
        id: r.id,
        conversationId: r.conversation_id,
        to: to.get(r.conversation_id) ?? [],
        content: r.content,
        createdAt: isoTime(r.created_at),
        updatedAt: isoTime(r.updated_at),
        deletedAt: isoTime(r.deleted_at),
      })));
    },
  );
  counts.messages = out.count;
  out.end();
  archive.write("\n");
  archive.endFile();
}

/** Writes every file of the archive of `s` into `archive`; returns the counts of the manifest. */
export async function writeAccountArchive(
  db: DbOrTx, media: MediaStore, archive: ZipArchive, s: ExportSubject, alive: Alive = () => {},
): Promise<ExportCounts> {
  const counts: ExportCounts = {
    sections: 0, posts: 0, media: 0, comments: 0, reposts: 0, following: 0, followers: 0,
    lists: 0, listMembers: 0, feeds: 0, likes: 0, bookmarks: 0, messages: 0,
  };
  const startedAt = new Date().toISOString();
  archive.file("README.txt", README(s, startedAt));
  await writeProfile(db, archive, s, counts, alive);
  await writePosts(db, media, archive, s, counts, alive);
  counts.comments = await writeById(db, archive, alive, "comments.json", (after) => ownRowsPage("comments", s.userId, after, PAGE_ROWS),
    (r) => exportRow(r.row as Record<string, unknown>, ["user_id"]));
  counts.reposts = await writeById(db, archive, alive, "reposts.json", (after) => ownRowsPage("reposts", s.userId, after, PAGE_ROWS),
    (r) => exportRow(r.row as Record<string, unknown>, ["user_id"]));
  await writeFollows(db, archive, s, counts, alive);
  await writeLists(db, archive, s, counts, alive);
  await writeFeeds(db, archive, s, counts, alive);
  counts.likes = await writeInteractions(db, archive, s, "like", alive);
  counts.bookmarks = await writeInteractions(db, archive, s, "bookmark", alive);
  await writeMessages(db, archive, s, counts, alive);
  const manifest = {
    format: ARCHIVE_FORMAT.name,
    version: ARCHIVE_FORMAT.version,
    exportId: s.exportId,
    account: { id: s.userId, username: s.username },
    requestedAt: s.requestedAt,
    generatedAt: startedAt,
    completedAt: new Date().toISOString(),
    files: ["README.txt", "manifest.json", "profile.json", "posts.json", "comments.json", "reposts.json", "follows.json",
      "lists.json", "feeds.json", "likes.json", "bookmarks.json", "messages.json"],
    counts,
    media: "not included: posts.json names each file (fileUrl, key) with its metadata",
  };
  archive.file("manifest.json", `${JSON.stringify(manifest, null, 2)}\n`);
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Claims and leases

export interface ClaimedExport {
  id: string;
  user_id: string;
  attempts: number;
  object_key: string;
  created_at: string;
}

/** Claims the oldest pending export, or a running one whose lease has passed; null when none. */
export async function claimExport(db: DbOrTx, params: { workerId: string; leaseMs?: number }): Promise<ClaimedExport | null> {
  const token = randomBytes(16).toString("hex");
  const row = await one<ClaimedExport>(db, sql`
    UPDATE account_exports e SET
      status = 'running', locked_by = ${params.workerId}, locked_until = NOW() + ${msInterval(params.leaseMs ?? EXPORT_LEASE_MS)},
      attempts = e.attempts + 1, started_at = NOW(),
      object_key = COALESCE(e.object_key, ${EXPORT_KEY_PREFIX} || e.user_id || '/' || e.id || '-' || ${token} || '.zip')
    WHERE e.id = (
      SELECT c.id FROM account_exports c
      WHERE c.status IN ('pending', 'running') AND (c.status = 'pending' OR c.locked_until < NOW())
      ORDER BY c.id LIMIT 1
      FOR UPDATE SKIP LOCKED)
    RETURNING e.id, e.user_id::text AS user_id, e.attempts, e.object_key, e.created_at`);
  return row ?? null;
}

/** Renews this worker's lease on a running export; false when it is no longer this worker's. */
export async function renewExportLease(db: DbOrTx, params: { id: string; workerId: string; leaseMs?: number }): Promise<boolean> {
  const row = await one<{ id: string }>(db, sql`
    UPDATE account_exports SET locked_until = NOW() + ${msInterval(params.leaseMs ?? EXPORT_LEASE_MS)}
    WHERE id = ${params.id} AND locked_by = ${params.workerId} AND status = 'running' RETURNING id`);
  return row !== undefined;
}

/** The running export as this worker holds it: the fence of every write of a build's outcome. */
const heldBy = (id: string, workerId: string) => sql`id = ${id} AND locked_by = ${workerId} AND status = 'running'`;

async function markReady(db: Db, c: ClaimedExport, workerId: string, sizeBytes: number, counts: ExportCounts): Promise<boolean> {
  return transaction(db, async (tx) => {
    const row = await one<{ id: string }>(tx, sql`
      UPDATE account_exports SET status = 'ready', size_bytes = ${sizeBytes}, counts = ${JSON.stringify(counts)}::jsonb,
        ready_at = NOW(), finished_at = NOW(), expires_at = NOW() + make_interval(days => ${ARCHIVE_TTL_DAYS}),
        error = NULL, locked_by = NULL, locked_until = NULL
      WHERE ${heldBy(c.id, workerId)} RETURNING id`);
    if (!row) return false;
    await notifyAccount(tx, {
      recipientId: c.user_id,
      type: "export",
      title: "Your archive is ready",
      content: `Download it within ${ARCHIVE_TTL_DAYS} days.`,
      actionUrl: EXPORTS_ACTION_URL,
    });
    return true;
  });
}

async function markFailed(db: Db, c: ClaimedExport, workerId: string, message: string, notifyOwner: boolean): Promise<boolean> {
  return transaction(db, async (tx) => {
    const row = await one<{ id: string }>(tx, sql`
      UPDATE account_exports SET status = 'failed', error = ${message}, finished_at = NOW(), locked_by = NULL, locked_until = NULL
      WHERE ${heldBy(c.id, workerId)} RETURNING id`);
    if (!row) return false;
    if (notifyOwner) {
      await notifyAccount(tx, { recipientId: c.user_id, type: "export", title: "Your archive could not be built", content: message, actionUrl: EXPORTS_ACTION_URL });
    }
    return true;
  });
}

/** Gives a claim back for a later run (a transient failure). */
async function release(db: DbOrTx, c: ClaimedExport, workerId: string): Promise<void> {
  await db.execute(sql`UPDATE account_exports SET status = 'pending', locked_by = NULL, locked_until = NULL WHERE ${heldBy(c.id, workerId)}`);
}

class LeaseLost extends Error {
  constructor() {
    super("the export's lease was lost");
    this.name = "LeaseLost";
  }
}

/** The store or the database cannot serve now: worth another attempt later. */
function isTransient(error: unknown): boolean {
  const code = toTRPCError(error).code;
  return code === "SERVICE_UNAVAILABLE" || code === "TIMEOUT";
}

// ---------------------------------------------------------------------------------------------
// One build, and the job's run

/** Uploads the local file to `key` with a presigned PUT (the file streamed as the body), then checks its size. */
async function upload(media: MediaStore, key: string, path: string, size: number): Promise<void> {
  const signed = await media.presignPut(key, "application/zip", size, 15 * 60);
  let res: Response;
  try {
    res = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: Bun.file(path) });
  } catch (error) {
    throw storageUnavailable(error);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.status >= 500) throw storageUnavailable(new Error(`the store answered ${res.status}`));
  if (!res.ok) throw new Error(`the store refused the archive (HTTP ${res.status})`);
  const head = await media.head(key);
  if (!head || head.size !== size) throw new Error(`the stored archive is ${head?.size ?? "missing"}, not ${size} bytes`);
}

export type BuildOutcome = "ready" | "failed" | "retry" | "lost";

export interface ExportJobDeps {
  db: Db;
  media: MediaStore;
  log: Pick<Logger, "info" | "warn" | "error">;
}

/** Builds one claimed export to its end (ready, failed, released for a retry, or lost to another worker). */
export async function buildExport(
  deps: ExportJobDeps,
  claim: ClaimedExport,
  opts: { workerId: string; leaseMs?: number; maxAttempts?: number },
): Promise<BuildOutcome> {
  const { db, media, log } = deps;
  const leaseMs = opts.leaseMs ?? EXPORT_LEASE_MS;
  const ctx = { exportId: claim.id, userId: claim.user_id, attempt: claim.attempts };
  if (claim.attempts > (opts.maxAttempts ?? MAX_EXPORT_ATTEMPTS)) {
    log.warn(ctx, "account export failed: attempts exhausted");
    await media.delete(claim.object_key).catch(() => undefined);
    return (await markFailed(db, claim, opts.workerId, GENERIC_FAILURE, true)) ? "failed" : "lost";
  }
  const user = await one<{ username: string; status: string }>(db, sql`SELECT username, status FROM users WHERE id = ${claim.user_id}`);
  if (!user || user.status !== "active") {
    return (await markFailed(db, claim, opts.workerId, INACTIVE_FAILURE, false)) ? "failed" : "lost";
  }

  let lost = false;
  const heartbeat = setInterval(() => {
    renewExportLease(db, { id: claim.id, workerId: opts.workerId, leaseMs })
      .then((held) => {
        if (!held) lost = true;
      })
      .catch((err) => log.warn({ ...ctx, err }, "account export lease renewal failed"));
  }, Math.max(10, Math.floor(leaseMs / 3)));
  const alive = () => {
    if (lost) throw new LeaseLost();
  };
  const dir = mkdtempSync(join(tmpdir(), "vrss-export-"));
  const path = join(dir, "archive.zip");
  const archive = new ZipArchive(path);
  try {
    const counts = await writeAccountArchive(db, media, archive, {
      exportId: claim.id, userId: claim.user_id, username: user.username, requestedAt: new Date(claim.created_at).toISOString(),
    }, alive);
    const size = archive.finish();
    alive();
    await upload(media, claim.object_key, path, size);
    alive();
    if (!(await markReady(db, claim, opts.workerId, size, counts))) throw new LeaseLost();
    log.info({ ...ctx, sizeBytes: size }, "account export ready");
    return "ready";
  } catch (error) {
    if (error instanceof LeaseLost) {
      // Another worker holds the export now and writes the same key: leave both alone.
      log.warn(ctx, "account export lease lost; the build was abandoned");
      return "lost";
    }
    if (isTransient(error)) {
      log.warn({ ...ctx, err: error }, "account export interrupted (store or database unavailable); retried later");
      await release(db, claim, opts.workerId).catch(() => undefined);
      return "retry";
    }
    log.error({ ...ctx, err: error }, "account export failed");
    await media.delete(claim.object_key).catch(() => undefined);
    return (await markFailed(db, claim, opts.workerId, GENERIC_FAILURE, true)) ? "failed" : "lost";
  } finally {
    clearInterval(heartbeat);
    archive.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The build job's run: claims and builds exports one after the other, up to MAX_BUILDS_PER_RUN. */
export async function buildPendingExports(
  deps: ExportJobDeps,
  opts: { workerId: string; leaseMs?: number; maxAttempts?: number; maxBuilds?: number },
): Promise<Record<BuildOutcome, number>> {
  const report: Record<BuildOutcome, number> = { ready: 0, failed: 0, retry: 0, lost: 0 };
  for (let n = 0; n < (opts.maxBuilds ?? MAX_BUILDS_PER_RUN); n++) {
    const claim = await claimExport(deps.db, { workerId: opts.workerId, leaseMs: opts.leaseMs });
    if (!claim) break;
    const outcome = await buildExport(deps, claim, opts);
    report[outcome]++;
    // The store or the database is down: the next run (seconds away) tries again.
    if (outcome === "retry") break;
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// Expiry

const EXPIRE_BATCH = 500;
const EXPORT_KEY = /^exports\/([1-9][0-9]{0,18})\/([1-9][0-9]{0,18})-[0-9a-f]{32}\.zip$/;

/**
 * Ready archives past expires_at: object deleted, then status expired. Failed and expired rows older
 * than EXPORT_ROW_RETENTION_DAYS are deleted. With `sweepOlderThanMs`, objects under exports/ older
 * than that which no pending, running or ready export names are deleted (leftovers of a failed
 * delete, of accounts purged meanwhile).
 */
export async function expireExports(
  deps: { db: Db; media: MediaStore },
  opts: { sweepOlderThanMs?: number | null } = {},
): Promise<{ expired: number; deleteFailed: number; forgotten: number; swept: number }> {
  const { db, media } = deps;
  let expired = 0;
  let deleteFailed = 0;
  const skipped = new Set<string>();
  for (;;) {
    const due = await many<{ id: string; object_key: string }>(db, sql`
      SELECT id, object_key FROM account_exports
      WHERE status = 'ready' AND expires_at <= NOW()
        ${skipped.size ? sql`AND NOT (id = ${anyBigint([...skipped])})` : sql``}
      ORDER BY expires_at, id LIMIT ${EXPIRE_BATCH}`);
    if (due.length === 0) break;
    const gone: string[] = [];
    for (const row of due) {
      try {
        await media.delete(row.object_key);
        gone.push(row.id);
      } catch {
        skipped.add(row.id); // the next run tries again; the row stays (lapsed: listed as expired)
        deleteFailed++;
      }
    }
    if (gone.length) {
      const rows = await many<{ id: string }>(db, sql`
        UPDATE account_exports SET status = 'expired' WHERE id = ${anyBigint(gone)} AND status = 'ready' RETURNING id`);
      expired += rows.length;
    }
    if (due.length < EXPIRE_BATCH) break;
  }
  const forgotten = await many<{ id: string }>(db, sql`
    DELETE FROM account_exports
    WHERE status IN ('failed', 'expired') AND created_at < NOW() - make_interval(days => ${EXPORT_ROW_RETENTION_DAYS})
    RETURNING id`);

  let swept = 0;
  if (opts.sweepOlderThanMs !== undefined && opts.sweepOlderThanMs !== null) {
    const before = Date.now() - opts.sweepOlderThanMs;
    let batch: string[] = [];
    const flush = async () => {
      const ids = [...new Set(batch.map((k) => EXPORT_KEY.exec(k)?.[2]).filter((id): id is string => id !== undefined))];
      const live = ids.length
        ? await many<{ object_key: string }>(db, sql`
            SELECT object_key FROM account_exports WHERE id = ${anyBigint(ids)} AND status IN ('pending', 'running', 'ready')`)
        : [];
      const keep = new Set(live.map((r) => r.object_key));
      for (const key of batch) {
        if (keep.has(key)) continue;
        await media.delete(key).catch(() => undefined);
        swept++;
      }
      batch = [];
    };
    for await (const object of media.list(EXPORT_KEY_PREFIX)) {
      if (object.lastModified && object.lastModified.getTime() > before) continue;
      batch.push(object.key);
      if (batch.length >= EXPIRE_BATCH) await flush();
    }
    if (batch.length) await flush();
  }
  return { expired, deleteFailed, forgotten: forgotten.length, swept };
}

