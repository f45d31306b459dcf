// A pooler that refuses the app's timeouts as startup parameters. PgBouncer answers a startup
// packet carrying a parameter it neither knows nor ignores with "08P01 unsupported startup
// parameter" — which, before this fallback, made every connection of a default VRSS fail behind a
// default PgBouncer. This test runs its own PgBouncer 1.18 (Debian's) with only PgBouncer's usual
// ignore list, in front of the test database's server, and expects the app to connect (timeouts
// dropped, one warning) and the per-request bounds to hold anyway (the transaction-local
// statement_timeout).
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { spawnSync } from "bun";
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "../../src/db/client";
import { runInDbScope } from "../../src/db/request-deadline";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";

setDefaultTimeout(30_000); // see tests/setup.ts

const PGBOUNCER = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].find((p) => existsSync(p));
const PORT = 6449;

describe.skipIf(!canRunConcurrently || !PGBOUNCER)("a pooler that refuses the timeout startup parameters", () => {
  let t: TestDatabase;
  let dir = "";
  let database: Database | null = null;

  beforeAll(async () => {
    t = await createTestDatabase();
    const direct = new URL(t.directUrl!);
    dir = mkdtempSync(join(tmpdir(), "vrss-pgb-refuse-"));
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, "userlist.txt"), '"postgres" ""\n');
    writeFileSync(join(dir, "pgbouncer.ini"), [
      "[databases]",
      `* = host=${direct.hostname} port=${direct.port || 5432}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1", `listen_port = ${PORT}`, "unix_socket_dir =",
      "auth_type = trust", `auth_file = ${join(dir, "userlist.txt")}`,
      "pool_mode = transaction", "default_pool_size = 4",
      // PgBouncer's usual list: statement_timeout is not in it.
      "ignore_startup_parameters = extra_float_digits,options",
      `pidfile = ${join(dir, "pgbouncer.pid")}`, `logfile = ${join(dir, "pgbouncer.log")}`, "",
    ].join("\n"));
    spawnSync(["chown", "-R", "postgres:postgres", dir]);
    const asRoot = process.getuid?.() === 0;
    const started = spawnSync([PGBOUNCER!, "-d", ...(asRoot ? ["-u", "postgres"] : []), join(dir, "pgbouncer.ini")], { stderr: "pipe" });
    if (started.exitCode !== 0) throw new Error(`pgbouncer: ${started.stderr.toString()}`);
    for (let i = 0; i < 50 && !existsSync(join(dir, "pgbouncer.pid")); i++) await Bun.sleep(100);
  });
  afterAll(async () => {
    await database?.close();
    const pidFile = join(dir, "pgbouncer.pid");
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").trim()), "SIGTERM");
    await Bun.sleep(200);
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  test("the app connects without them, warns once, and transactions still bound their statements", async () => {
    const url = new URL(t.directUrl!);
    url.port = String(PORT);
    const warnings: string[] = [];
    database = await openDatabase({ url: url.toString(), dataDir: "", poolMax: 3, onWarning: (m) => warnings.push(m) });
    // Several connections at once: each later connect goes without the refused parameters.
    const rows = await Promise.all([1, 2, 3, 4, 5, 6].map(() => database!.sql<{ n: number }[]>`SELECT 1 AS n, pg_sleep(0.05)`));
    expect(rows.every((r) => r[0]?.n === 1)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("startup parameters");
    // A request's transaction sets its own local statement_timeout (the remaining deadline).
    const timeout = await runInDbScope({ deadline: Date.now() + 2_000 }, () =>
      database!.sql.begin((tx) => tx<{ t: string }[]>`SELECT current_setting('statement_timeout') AS t`),
    );
    expect(Number.parseInt(String(timeout[0]?.t), 10)).toBeGreaterThan(0);
    expect(Number.parseInt(String(timeout[0]?.t), 10)).toBeLessThanOrEqual(2_000);
  });
});
