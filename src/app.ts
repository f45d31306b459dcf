// The Hono application: security middleware, health endpoints, the tRPC mount at /api/rpc (with CORS
// for ALLOWED_ORIGINS) and GET /media/<key>, the media objects served from the store.
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { csrf } from "hono/csrf";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Server } from "bun";
import { checkDatabase } from "./db/health";
import { pendingMigrations } from "./db/migrate";
import { AppError } from "./lib/errors";
import { IMMUTABLE_CACHE_CONTROL, MEDIA_ROUTE, STORAGE_RETRY_AFTER_SECONDS, type MediaStore } from "./lib/s3";
import { readCredential } from "./modules/auth/cookies";
import { MIME_RULES } from "./modules/media/media.rules";
import { createPagesRoutes } from "./pages/pages.routes";
import { createContext, type AppDeps } from "./trpc/context";
import { appRouter } from "./trpc/router";

type HonoEnv = { Bindings: { server?: Server<unknown> }; Variables: { requestId: string } };

export const RPC_ENDPOINT = "/api/rpc";

/** Request headers a browser client of /api/rpc may send (tRPC links, auth, tracing). */
export const RPC_ALLOWED_HEADERS = ["content-type", "authorization", "trpc-accept", "x-trpc-source", "trpc-batch-mode", "x-request-id"];
/** How long a browser may cache an /api/rpc preflight (Chromium caps it at 2 h). */
export const RPC_PREFLIGHT_MAX_AGE = 7200;

/**
 * Object keys GET /media serves: the upload layout only (users/{id}/posts|profile/[thumbnails/]{name}.{ext}),
 * one plain segment each — no "..", no empty segment, nothing outside users/.
 */
const MEDIA_KEY = /^users\/[0-9]{1,19}\/(?:posts|profile)\/(?:thumbnails\/)?[A-Za-z0-9_-]{1,200}\.[a-z0-9]{1,8}$/;
/** Content types GET /media serves: the upload allow-list (WebP covers thumbnails). Anything else is 404. */
const SERVED_TYPES = new Set(Object.keys(MIME_RULES));
/**
 * GET /media reads a body up to this size before answering, so the response has a Content-Length
 * (Bun answers a still-streaming body chunked, whatever Content-Length says); larger bodies stream.
 */
const BUFFERED_BODY_BYTES = 1024 * 1024;
/** Response headers of the store relayed by GET /media (Content-Type is checked separately). */
const RELAYED_HEADERS = ["content-length", "content-range", "etag", "last-modified"];

/** The object key of a /media/… path, or null when it is not one we serve. */
export function mediaKeyOfPath(pathname: string): string | null {
  if (!pathname.startsWith(`${MEDIA_ROUTE}/`)) return null;
  let key: string;
  try {
    key = pathname.slice(MEDIA_ROUTE.length + 1).split("/").map(decodeURIComponent).join("/");
  } catch {
    return null;
  }
  return MEDIA_KEY.test(key) ? key : null;
}

/** GET/HEAD /media/<key>: the object streamed from the store, ranges (206) and conditionals passed on. */
async function serveMedia(c: Context, media: MediaStore): Promise<Response> {
  const key = mediaKeyOfPath(new URL(c.req.url).pathname);
  const common = { "x-content-type-options": "nosniff", "cache-control": "no-store" };
  if (!key) return c.json({ error: "Not found" }, 404, common);
  let upstream: Response;
  try {
    upstream = await media.fetchObject(key, c.req.method === "HEAD" ? "HEAD" : "GET", c.req.raw.headers);
  } catch (error) {
    if (error instanceof AppError && error.appCode === "STORAGE_UNAVAILABLE") {
      return c.json({ error: "Media storage is unavailable, please retry" }, 503, { ...common, "retry-after": String(STORAGE_RETRY_AFTER_SECONDS) });
    }
    throw error;
  }
  const type = upstream.headers.get("content-type")?.split(";")[0]!.trim().toLowerCase() ?? "";
  const found = upstream.status === 200 || upstream.status === 206 || upstream.status === 304 || upstream.status === 416;
  // A missing key is 404 (403 too: without s3:ListBucket, S3 answers 403 for it); so is an object
  // of a type we never serve (e.g. a pending upload stored as text/html on s3rver).
  if (!found || (upstream.status !== 304 && upstream.status !== 416 && !SERVED_TYPES.has(type))) {
    await upstream.body?.cancel();
    return c.json({ error: "Not found" }, 404, common);
  }
  const headers = new Headers({
    "cache-control": IMMUTABLE_CACHE_CONTROL,
    "accept-ranges": "bytes",
    "x-content-type-options": "nosniff",
    // Embeddable from the frontend's origin (<img>, <video>), readable by any origin, inert as a document.
    "cross-origin-resource-policy": "cross-origin",
    "access-control-allow-origin": "*",
    "content-security-policy": "default-src 'none'; sandbox",
  });
  if (SERVED_TYPES.has(type)) headers.set("content-type", type);
  for (const name of RELAYED_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (upstream.status === 416) {
    await upstream.body?.cancel();
    const head = await media.head(key);
    if (!head) return c.json({ error: "Not found" }, 404, common);
    headers.set("cache-control", "no-store");
    headers.delete("content-length");
    headers.set("content-range", `bytes */${head.size}`);
    return new Response(null, { status: 416, headers });
  }
  if (c.req.method === "HEAD" || upstream.status === 304) {
    await upstream.body?.cancel();
    return new Response(null, { status: upstream.status, headers });
  }
  const length = Number(upstream.headers.get("content-length") ?? Number.NaN);
  const body = length <= BUFFERED_BODY_BYTES ? await upstream.arrayBuffer() : upstream.body;
  return new Response(body, { status: upstream.status, headers });
}

/** The socket peer; X-Forwarded-For (its last hop, the one our proxy appended) only behind TRUST_PROXY. */
function clientAddress(req: Request, server: Server<unknown> | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers.get("x-forwarded-for");
    const last = forwarded?.split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return server?.requestIP(req)?.address ?? "unknown";
}

/**
 * Cache-Control of an /api/rpc response. `no-store` (no browser, proxy or CDN keeps a copy) on
 * everything that is authenticated or may carry a secret: any request with a credential (an
 * Authorization header or the session cookie), every mutation (POST: auth.login / register /
 * changePassword … answer session tokens), any auth.* procedure, and any response that sets a
 * cookie. Only an anonymous GET query of public data gets `no-cache` (a cache may keep it but must
 * revalidate; with no validator that means refetch), and every response says
 * `Vary: Authorization, Cookie`, so a shared cache never answers a signed-in request with it.
 */
export function rpcCacheControl(req: Request, resHeaders: Headers): "no-store" | "no-cache" {
  if (req.method !== "GET" || readCredential(req) !== null || req.headers.has("authorization")) return "no-store";
  if (resHeaders.has("set-cookie")) return "no-store";
  let paths: string[];
  try {
    paths = decodeURIComponent(new URL(req.url).pathname.slice(RPC_ENDPOINT.length + 1)).split(",");
  } catch {
    return "no-store";
  }
  if (paths.some((p) => p.trim().startsWith("auth."))) return "no-store";
  return "no-cache";
}

/** How long /ready waits for the database's SELECT 1, and for the whole answer. */
const READY_DB_TIMEOUT_MS = 700;
const READY_BUDGET_MS = 900;
const READY_MIN_STEP_MS = 100;
const TIMED_OUT = Symbol("timed out");

/** The value (or the error) of `promise`, or TIMED_OUT after `ms`; a late rejection is swallowed. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | Error | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
      new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, ms, TIMED_OUT))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An error text fit for an unauthenticated response: no URL (it could carry credentials), bounded. */
export function redactError(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/\S*/gi, "<url>").replace(/password\s*[=:]\s*\S+/gi, "password=<redacted>").slice(0, 200);
}

export interface AppOptions {
  /** True once the server is shutting down: /ready answers 503 `draining` (src/server.ts drain). */
  draining?: () => boolean;
}

export function createApp(deps: AppDeps, opts: AppOptions = {}) {
  const { env, log } = deps;
  const app = new Hono<HonoEnv>();

  app.use(requestId());
  // GET /media sets its own (cross-origin embeddable) resource headers; everything else gets Hono's.
  const secure = secureHeaders();
  // The public pages (/@…) set their own CSP, Referrer-Policy and X-Frame-Options (src/pages/csp.ts):
  // Hono's defaults fill in the rest without overwriting those.
  const pageSecure = secureHeaders({ overwrite: false });
  app.use((c, next) =>
    c.req.path.startsWith(`${MEDIA_ROUTE}/`) ? next() : c.req.path.startsWith("/@") ? pageSecure(c, next) : secure(c, next));
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    log.debug({ requestId: c.get("requestId"), method: c.req.method, path: c.req.path, status: c.res.status, ms }, "request");
  });

  app.get("/health", (c) => c.json({ status: "ok" }));
  // Readiness, for a load balancer: always answers within ~1 s (a probe that hangs is read as
  // "down" only after the balancer's own timeout, and piles up requests on a sick database).
  // 503 when this process should get no traffic: draining (shutting down), the database not
  // answering within READY_DB_TIMEOUT_MS, or a migration pending. Redis is reported, not
  // required: without it the app serves from PostgreSQL and memory ("degraded").
  app.get("/ready", async (c) => {
    const redis = deps.redis ? deps.redis.status() : "off";
    if (opts.draining?.()) return c.json({ status: "draining" }, 503, { "retry-after": "1" });
    const started = performance.now();
    const database = await checkDatabase(deps.database, READY_DB_TIMEOUT_MS);
    if (!database.ok) return unavailable(c, database.error ?? "unknown error", redis);
    const left = Math.max(READY_MIN_STEP_MS, READY_BUDGET_MS - (performance.now() - started));
    const pending = await within(pendingMigrations(deps.database.sql), left);
    if (pending === TIMED_OUT) return unavailable(c, `migration check: no answer within ${Math.round(left)} ms`, redis);
    if (pending instanceof Error) return unavailable(c, pending.message, redis);
    if (pending.length > 0) return c.json({ status: "migrating", pending, redis }, 503);
    // Replicas are reported, not required: without a usable one, reads go to the primary.
    const replicas = deps.reads?.status().map((r) => ({ replica: r.describe, usable: r.usable, lagMs: r.lagMs }));
    readyAgain();
    return c.json({ status: "ready", database: { ok: true, kind: deps.database.kind }, redis, ...(replicas ? { replicas } : {}) });
  });
  // One warning when readiness fails and one info when it is back, not one per probe (a balancer
  // probes every second or so: an outage would flood the log).
  let notReadySince = 0;
  const unavailable = (c: Context, error: string, redis: string) => {
    const text = redactError(error);
    if (!notReadySince) {
      notReadySince = Date.now();
      log.warn({ error: text }, "readiness check failed: database");
    }
    return c.json({ status: "unavailable", database: { ok: false, error: text }, redis }, 503);
  };
  const readyAgain = () => {
    if (!notReadySince) return;
    log.info({ downMs: Date.now() - notReadySince }, "readiness check: database back");
    notReadySince = 0;
  };

  app.get(`${MEDIA_ROUTE}/*`, (c) => serveMedia(c, deps.media)); // HEAD too (Hono routes it here)

  // Public pages: GET /@:username and /@:username/posts/:id (src/pages/).
  app.route("/", createPagesRoutes(deps));

  // CORS for the browser frontends in ALLOWED_ORIGINS (credentials: cookies); another origin gets no
  // CORS header at all, and its preflight no permission. Cookie-authenticated mutations still need
  // an allowed Origin (src/trpc/init.ts) and cross-site form posts are still refused (csrf below).
  const allowedOrigins = new Set(env.ALLOWED_ORIGINS);
  const rpcCors = cors({
    origin: env.ALLOWED_ORIGINS,
    credentials: true,
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: RPC_ALLOWED_HEADERS,
    exposeHeaders: ["Retry-After"],
    maxAge: RPC_PREFLIGHT_MAX_AGE,
  });
  // Caching of /api/rpc answers (see rpcCacheControl): set on every response, errors included.
  app.use(`${RPC_ENDPOINT}/*`, async (c, next) => {
    await next();
    if (c.req.method === "OPTIONS") return;
    c.header("Cache-Control", rpcCacheControl(c.req.raw, c.res.headers));
    c.header("Vary", "Authorization, Cookie", { append: true });
  });
  app.use(`${RPC_ENDPOINT}/*`, async (c, next) => {
    const origin = c.req.header("origin");
    if (origin && allowedOrigins.has(origin)) return rpcCors(c, next);
    if (c.req.method === "OPTIONS") return c.body(null, 204, { vary: "Origin" });
    await next();
    c.header("Vary", "Origin", { append: true });
  });
  app.use(
    `${RPC_ENDPOINT}/*`,
    bodyLimit({
      maxSize: env.BODY_LIMIT_BYTES,
      onError: (c) =>
        c.json({ error: { message: "Request body too large", code: -32600, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 } } }, 413),
    }),
  );
  // Refuses cross-site form posts (the only requests a browser sends without a CORS preflight).
  // A forged form post rides on the session cookie; a request without a Cookie header (Bearer
  // clients, curl posting a mutation with no input and so no body) has nothing to forge and goes on
  // to the procedure. The refusal is the same typed error as the procedures' CSRF check, not text.
  const refuseFormPosts = csrf({ origin: env.ALLOWED_ORIGINS });
  app.use(`${RPC_ENDPOINT}/*`, async (c, next) => {
    if (!c.req.header("cookie")) return next();
    try {
      return await refuseFormPosts(c, next);
    } catch (error) {
      if (!(error instanceof HTTPException) || error.status !== 403) throw error;
      return c.json({ error: { message: "Cross-site request refused", code: -32003, data: { code: "FORBIDDEN", httpStatus: 403, appCode: "CSRF" } } }, 403);
    }
  });

  app.all(`${RPC_ENDPOINT}/*`, (c) =>
    fetchRequestHandler({
      endpoint: RPC_ENDPOINT,
      req: c.req.raw,
      router: appRouter,
      maxBatchSize: env.MAX_BATCH_SIZE,
      allowMethodOverride: false,
      createContext: ({ req, resHeaders }) =>
        createContext(deps, {
          req,
          resHeaders,
          requestId: c.get("requestId"),
          clientIp: clientAddress(c.req.raw, c.env?.server, env.TRUST_PROXY),
        }),
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          log.error({ requestId: c.get("requestId"), path, err: error.cause ?? error }, "procedure failed");
        }
      },
    }),
  );

  // The OpenAPI 3.1 document of /api/rpc, generated from the router's Zod schemas on first request.
  let openApi: Promise<unknown> | undefined;
  app.get("/api/openapi.json", async (c) => {
    openApi ??= import("../scripts/docs-api").then((docs) => docs.buildOpenApi());
    return c.json(await openApi);
  });

  app.notFound((c) => c.json({ error: "Not found" }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    log.error({ requestId: c.get("requestId"), err: error }, "unhandled error");
    return c.json({ error: "Internal server error" }, 500);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
