// Builds a running server from configuration: database (PGlite or PostgreSQL), migrations, the app.
// src/index.ts calls it for `bun run dev` / `start`; tests call it to get real HTTP servers.
import type { Server } from "bun";
import { openDatabase, type Database } from "./db/client";
import { migrate } from "./db/migrate";
import type { Env } from "./env";
import { createApp } from "./app";
import type { Logger } from "./lib/logger";
import type { AppDeps } from "./trpc/context";

export interface RunningServer {
  deps: AppDeps;
  server: Server<unknown>;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(env: Env, log: Logger, opts: { database?: Database } = {}): Promise<RunningServer> {
  const database = opts.database ?? (await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: env.DATABASE_POOL_MAX }));
  if (!opts.database) {
    log.info(
      { database: database.describe },
      database.kind === "pglite" ? "DATABASE_URL unset: using embedded PGlite" : "using PostgreSQL (DATABASE_URL)",
    );
  }
  const result = await migrate(database.sql);
  if (result.applied.length) log.info({ applied: result.applied.length, total: result.total }, "migrations applied");

  const deps: AppDeps = { env, log, database };
  const app = createApp(deps);
  const server = Bun.serve({
    port: env.PORT,
    hostname: env.HOST,
    fetch: (req, srv) => app.fetch(req, { server: srv }),
  });
  const url = `http://${env.HOST === "0.0.0.0" ? "127.0.0.1" : env.HOST}:${server.port}`;
  return {
    deps,
    server,
    url,
    async stop() {
      await server.stop(true);
      if (!opts.database) await database.close();
    },
  };
}
