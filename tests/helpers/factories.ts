// Row factories for tests: plain SQL inserts, so they work before any service exists and do not
// pay argon2's cost. Every value is a bound parameter.
import type postgres from "postgres";

let seq = 0;
const unique = () => `${Date.now().toString(36)}${(++seq).toString(36)}`;

/** An argon2id hash of "Passw0rd!" (m=19456,t=2,p=1), precomputed. */
export const TEST_PASSWORD = "Passw0rd!";
export const TEST_PASSWORD_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$axJKCyyrWex/arcKfp5SXQ$Pkrt56ozSpMmd+pCOQuo97kzbM5M/wYWGZzU4ShQyRU";

export interface TestUser {
  id: string;
  username: string;
  email: string;
}

export async function createUser(
  sql: postgres.Sql,
  opts: { username?: string; status?: "active" | "suspended" | "deleted"; visibility?: "public" | "followers" | "private"; displayName?: string } = {},
): Promise<TestUser> {
  const username = opts.username ?? `u_${unique()}`.slice(0, 30);
  const email = `${username.toLowerCase()}@example.test`;
  const [user] = await sql<TestUser[]>`
    INSERT INTO users (username, email, password_hash, status, deleted_at)
    VALUES (${username}, ${email}, ${TEST_PASSWORD_HASH}, ${opts.status ?? "active"},
            ${opts.status === "deleted" ? new Date().toISOString() : null})
    RETURNING id, username, email`;
  if (opts.visibility || opts.displayName) {
    await sql`UPDATE user_profiles SET visibility = COALESCE(${opts.visibility ?? null}, visibility),
              display_name = COALESCE(${opts.displayName ?? null}, display_name) WHERE user_id = ${user!.id}`;
  }
  return user!;
}

export interface TestPost {
  id: string;
  user_id: string;
}

export async function createPost(
  sql: postgres.Sql,
  userId: string,
  opts: { type?: string; status?: "draft" | "published" | "scheduled" | "deleted"; content?: string | null; createdAt?: Date } = {},
): Promise<TestPost> {
  const status = opts.status ?? "published";
  // ISO strings, not Date objects: Drizzle swaps the shared client's date serializers for pass-throughs.
  const createdAt = (opts.createdAt ?? new Date()).toISOString();
  const content = opts.content === undefined ? `post ${unique()}` : opts.content;
  const [post] = await sql<TestPost[]>`
    INSERT INTO posts (user_id, type, status, content, published_at, scheduled_for, created_at)
    VALUES (${userId}, ${opts.type ?? "text_short"}, ${status}, ${content},
            ${status === "published" ? createdAt : null},
            ${status === "scheduled" ? new Date(Date.now() + 3_600_000).toISOString() : null},
            ${createdAt})
    RETURNING id, user_id`;
  return post!;
}

export async function follow(sql: postgres.Sql, followerId: string, followingId: string): Promise<void> {
  await sql`INSERT INTO user_follows (follower_id, following_id) VALUES (${followerId}, ${followingId})
            ON CONFLICT DO NOTHING`;
}

export async function addMedia(
  sql: postgres.Sql,
  userId: string,
  postId: string,
  opts: { type?: "image" | "gif" | "video" | "audio" | "document"; sizeBytes?: number; mimeType?: string } = {},
): Promise<{ id: string }> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
    VALUES (${postId}, ${userId}, ${opts.type ?? "image"}, ${`https://cdn.example.test/${unique()}`},
            ${opts.sizeBytes ?? 1000}, ${opts.mimeType ?? "image/png"})
    RETURNING id`;
  return row!;
}

/**
 * A live session for `userId` without going through auth.login (no argon2): inserts a sessions row
 * whose token_hash is the SHA-256 hex of a fresh random token, and returns the token for
 * `Authorization: Bearer`.
 */
export async function createSessionToken(sql: postgres.Sql, userId: string, opts: { ttlDays?: number } = {}): Promise<string> {
  const { createHash, randomBytes } = await import("node:crypto");
  const token = randomBytes(32).toString("base64url");
  const tokenHash = createHash("sha256").update(token, "utf8").digest("hex");
  const expiresAt = new Date(Date.now() + (opts.ttlDays ?? 30) * 86_400_000).toISOString();
  await sql`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES (${userId}, ${tokenHash}, ${expiresAt})`;
  return token;
}

/** A user plus a session token (the common shape of RPC tests). */
export async function createUserWithToken(
  sql: postgres.Sql,
  opts: Parameters<typeof createUser>[1] = {},
): Promise<TestUser & { token: string }> {
  const user = await createUser(sql, opts);
  return { ...user, token: await createSessionToken(sql, user.id) };
}

/** A block (blocker hides from blocked and vice versa); plain insert, no follow cleanup. */
export async function block(sql: postgres.Sql, blockerId: string, blockedId: string): Promise<void> {
  await sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${blockerId}, ${blockedId}) ON CONFLICT DO NOTHING`;
}

export interface TestUpload {
  id: string;
  file_url: string;
  size_bytes: number;
}

const MIME_OF: Record<string, string> = { image: "image/png", gif: "image/gif", video: "video/mp4", audio: "audio/mpeg", document: "application/pdf" };

/**
 * An upload reservation as media.confirmUpload leaves it (status 'confirmed', verified metadata),
 * ready to become a post's media; `status: 'pending'` for one not yet confirmed.
 */
export async function createUpload(
  sql: postgres.Sql,
  userId: string,
  opts: { mediaType?: "image" | "gif" | "video" | "audio" | "document"; sizeBytes?: number; status?: "pending" | "confirmed" | "attached" } = {},
): Promise<TestUpload> {
  const kind = opts.mediaType ?? "image";
  const key = `uploads/${userId}/${unique()}`;
  const [row] = await sql<TestUpload[]>`
    INSERT INTO upload_reservations (user_id, file_key, file_name, mime_type, media_type, size_bytes, status, file_url,
                                     expires_at, confirmed_at)
    VALUES (${userId}, ${key}, ${`${key.split("/").at(-1)}.bin`}, ${MIME_OF[kind]!}, ${kind}, ${opts.sizeBytes ?? 1000},
            ${opts.status ?? "confirmed"}, ${`https://cdn.example.test/${key}`},
            ${new Date(Date.now() + 3_600_000).toISOString()},
            ${opts.status === "pending" ? null : new Date().toISOString()})
    RETURNING id, file_url, size_bytes::int AS size_bytes`;
  return row!;
}
