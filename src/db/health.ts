// Readiness probe of the database (GET /ready): answers within `timeoutMs` whatever the database
// does — refused, unreachable, or reachable but too slow — and never throws.
import type { Database } from "./client";

export async function checkDatabase(database: Database, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const query = database.sql`SELECT 1`;
  const timeout = new Promise<{ ok: false; error: string }>((resolve) => {
    timer = setTimeout(() => {
      // Stop waiting, and free the connection if the query already reached the server.
      if ((query as unknown as { state?: unknown }).state) void Promise.resolve(query.cancel()).catch(() => {});
      resolve({ ok: false, error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      query.then(() => ({ ok: true }), (error: unknown) => ({ ok: false, error: describeError(error) })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" ? e.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
