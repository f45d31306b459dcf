// The Hono application: security middleware, health endpoints and the tRPC mount at /api/rpc.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Server } from "bun";
import { pendingMigrations } from "./db/migrate";
import { createContext, type AppDeps } from "./trpc/context";
import { appRouter } from "./trpc/router";

type HonoEnv = { Bindings: { server?: Server<unknown> }; Variables: { requestId: string } };

export const RPC_ENDPOINT = "/api/rpc";

/** The socket peer; X-Forwarded-For (its last hop, the one our proxy appended) only behind TRUST_PROXY. */
function clientAddress(req: Request, server: Server<unknown> | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers.get("x-forwarded-for");
    const last = forwarded?.split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return server?.requestIP(req)?.address ?? "unknown";
}

export function createApp(deps: AppDeps) {
  const { env, log } = deps;
  const app = new Hono<HonoEnv>();

  app.use(requestId());
  app.use(secureHeaders());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    log.debug({ requestId: c.get("requestId"), method: c.req.method, path: c.req.path, status: c.res.status, ms }, "request");
  });

  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    try {
      await deps.database.sql`SELECT 1`;
      const pending = await pendingMigrations(deps.database.sql);
      if (pending.length > 0) return c.json({ status: "migrating", pending }, 503);
      // Replicas are reported, not required: without a usable one, reads go to the primary.
      const replicas = deps.reads?.status().map((r) => ({ replica: r.describe, usable: r.usable, lagMs: r.lagMs }));
      return c.json({ status: "ready", database: deps.database.kind, ...(replicas ? { replicas } : {}) });
    } catch (error) {
      log.error({ err: error }, "readiness check failed");
      return c.json({ status: "unavailable" }, 503);
    }
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
  app.use(`${RPC_ENDPOINT}/*`, csrf({ origin: env.ALLOWED_ORIGINS }));

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

  app.notFound((c) => c.json({ error: "Not found" }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse(); // e.g. csrf's 403
    log.error({ requestId: c.get("requestId"), err: error }, "unhandled error");
    return c.json({ error: "Internal server error" }, 500);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
