// The public pages: GET /@:username and GET /@:username/posts/:id, server-rendered (Hono JSX, no
// client framework). The viewer comes from the session cookie through the same lookup the tRPC
// context uses; a stale cookie just means anonymous. What the viewer may not see is the same 404
// page as what does not exist.
import { Hono, type Context } from "hono";
import type { AppDeps } from "../trpc/context";
import { readCredential } from "../modules/auth/cookies";
import { resolveSession } from "../modules/auth/session.service";
import { idSchema } from "../lib/pagination";
import { usernameSchema } from "../modules/auth/auth.schema";
import { newNonce, pageHeaders } from "./csp";
import { NotFoundPage, type Viewer } from "./layout";
import { loadPostPage, loadProfilePage } from "./profile.data";
import { PostPage, ProfilePage } from "./profile-page";

async function viewerOf(deps: AppDeps, req: Request): Promise<Viewer | null> {
  const credential = readCredential(req);
  if (!credential?.token) return null;
  const session = await resolveSession(deps.database.db, credential.token, deps.env.SESSION_TTL_DAYS, deps.sessions);
  return session ? { userId: session.userId, username: session.username } : null;
}

export function createPagesRoutes(deps: AppDeps) {
  const pages = new Hono();
  const mediaBase = new URL(deps.media.publicBaseUrl);
  const mediaOrigin = mediaBase.origin;

  const render = (c: Context, nonce: string, status: 200 | 404, body: ReturnType<typeof NotFoundPage>) =>
    c.html(`<!doctype html>${String(body)}`, status, pageHeaders(nonce, mediaOrigin));
  const notFound = (c: Context, nonce: string, viewer: Viewer | null) => render(c, nonce, 404, <NotFoundPage nonce={nonce} viewer={viewer} />);

  // A param must be a whole path segment in Hono, so the segment is "@name" and the "@" is cut here.
  const usernameOf = (c: Context) => usernameSchema.safeParse((c.req.param("handle") ?? "").slice(1));
  pages.get("/:handle{@[^/]+}", async (c) => {
    const nonce = newNonce();
    const viewer = await viewerOf(deps, c.req.raw);
    const username = usernameOf(c);
    if (!username.success) return notFound(c, nonce, viewer);
    const data = await loadProfilePage({ db: deps.database.db, cache: deps.cache }, viewer?.userId ?? null, username.data);
    if (!data) return notFound(c, nonce, viewer);
    return render(c, nonce, 200, <ProfilePage nonce={nonce} viewer={viewer} data={data} mediaBase={mediaBase} />);
  });

  pages.get("/:handle{@[^/]+}/posts/:id", async (c) => {
    const nonce = newNonce();
    const viewer = await viewerOf(deps, c.req.raw);
    const username = usernameOf(c);
    const id = idSchema.safeParse(c.req.param("id"));
    if (!username.success || !id.success) return notFound(c, nonce, viewer);
    const data = await loadPostPage({ db: deps.database.db, cache: deps.cache }, viewer?.userId ?? null, username.data, id.data);
    if (!data) return notFound(c, nonce, viewer);
    return render(c, nonce, 200, <PostPage nonce={nonce} viewer={viewer} data={data} mediaBase={mediaBase} />);
  });

  return pages;
}
