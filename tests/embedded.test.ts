// The embedded default `bun run dev` uses (PGlite: one connection) must keep answering while the
// background jobs run. A job runner that held the only connection in its lock transaction while
// the job queried the pool once hung every request from the first tick on; this runs on PGlite
// whatever TEST_DATABASE_URL says, because that is the set-up a new developer gets.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { openPglite } from "../src/db/client";
import { allJobs } from "../src/jobs";
import { runJobOnce } from "../src/jobs/runner";
import { rpc, startTestServer } from "./helpers/server";
import type { RunningServer } from "../src/server";

setDefaultTimeout(30_000); // see tests/setup.ts

let app: RunningServer;

beforeAll(async () => {
  const database = await openPglite("memory://");
  // startServer migrates; the test database's close is ours to call.
  app = await startTestServer({ ...database, url: null, directUrl: null });
});

afterAll(async () => {
  await app.stop();
  await app.deps.database.close();
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms))]);
}

describe("embedded PGlite (the no-environment default)", () => {
  test("every background job completes, and requests are served while jobs run", async () => {
    for (const job of allJobs) {
      const pending = runJobOnce(app.deps, job);
      // A request issued while the job is in flight must not wait behind a held connection forever.
      const during = await withTimeout(rpc(app.url, "user.search", { query: "nobody" }, { method: "GET" }), 10_000, `a request during ${job.name}`);
      expect(during.status).toBe(200);
      await withTimeout(pending, 10_000, job.name);
    }
    const registered = await withTimeout(
      rpc(app.url, "auth.register", { username: "embedded_user", email: "embedded@example.com", password: "Embedd3dPass" }),
      10_000,
      "auth.register",
    );
    expect(registered.status).toBe(200);
    expect(registered.body.result.data.user.username).toBe("embedded_user");
  }, 60_000);
});
