// The load bench's baseline: the spec's own home-feed query served over HTTP with no framework
// (Bun.serve + postgres.js), so `feed.home / spec` at each concurrency shows what the engine, tRPC,
// hydration and the cache cost or save against the naive design under the same load.
//
//   SPEC_DATABASE_URL=postgres://… SPEC_PORT=3998 bun bench/spec-server.ts
//
// Like for like with VRSS where it is not the point being measured:
//  - the same token → session lookup (resolveSession's SELECT, one unique-index read) before the
//    feed query, so both sides pay one extra round trip for auth (the renewal UPDATE is left out:
//    VRSS runs it at most once per session per 5 minutes);
//  - the same postgres.js settings as VRSS's defaults: pool of 10, unnamed statements
//    (prepare: false), no pipelining (max_pipeline 0);
//  - JSON over HTTP/1.1 keep-alive.
// Unlike VRSS it returns bare rows: no media, tags, viewer flags, visibility rules or reposts.
import { createHash } from "node:crypto";
import postgres from "postgres";

/** The spec's home-feed query ("Data Access Patterns"); bench/run.ts measures the same text. */
export const SPEC_HOME_SQL = `
  SELECT p.id, p.user_id, p.type, p.title, p.content, p.thumbnail_url, p.likes_count, p.comments_count, p.created_at,
         u.username, up.display_name
  FROM posts p INNER JOIN users u ON p.user_id = u.id INNER JOIN user_profiles up ON u.id = up.user_id
  WHERE p.user_id IN (SELECT following_id FROM user_follows WHERE follower_id = $1)
    AND p.status = 'published' AND p.deleted_at IS NULL
  ORDER BY p.created_at DESC LIMIT 20 OFFSET $2`;

/** resolveSession's lookup (src/modules/auth/session.service.ts) without the periodic renewal. */
export const SPEC_SESSION_SQL = `
  SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > NOW() AND u.status = 'active'`;

// The same hash as src/lib/tokens.ts hashToken (sha256, hex); kept local so this process loads
// nothing of the app.
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

if (import.meta.main) {
  const url = process.env.SPEC_DATABASE_URL;
  if (!url) {
    console.error("SPEC_DATABASE_URL is required");
    process.exit(2);
  }
  const sql = postgres(url, {
    max: Number(process.env.SPEC_POOL_MAX ?? 10),
    prepare: false,
    ...({ max_pipeline: 0 } as object),
    onnotice: () => {},
    connection: { application_name: "vrss-spec-baseline" },
  });
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: Number(process.env.SPEC_PORT ?? 3998),
    // Bun's default closes a connection after 10 s without a byte; at c=128 the OFFSET query's
    // queue is longer than that, and the baseline should report its latency, not Bun's cut-off.
    idleTimeout: 120,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/ping") return json(200, { pong: true });
      if (url.pathname !== "/home") return json(404, { error: "not found" });
      const token = (req.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      const page = Math.max(1, Math.floor(Number(url.searchParams.get("page") ?? 1)) || 1);
      try {
        const [session] = await sql.unsafe<{ user_id: string }[]>(SPEC_SESSION_SQL, [hashToken(token)]);
        if (!session) return json(401, { error: "unauthorized" });
        const rows = await sql.unsafe(SPEC_HOME_SQL, [session.user_id, (page - 1) * 20]);
        return json(200, { items: rows });
      } catch (error) {
        return json(500, { error: String(error) });
      }
    },
  });
  console.log(`spec baseline listening on ${server.url}`);
  const stop = async () => {
    server.stop(true);
    await sql.end({ timeout: 2 });
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}
