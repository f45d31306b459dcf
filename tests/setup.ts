// Test timeouts. Bun ignores bunfig's `[test] timeout` and stops tests and hooks at 5 s, which a
// busy 2-core machine (argon2, CREATE DATABASE, an embedded PGlite) exceeds. A preload's
// setDefaultTimeout reaches only the first test file, so every test file also calls
// `setDefaultTimeout(30_000)` at its top; this preload covers files that forget, and
// `bun run test` passes `--timeout 30000` as well (a plain `bun test <file>` still gets the calls).
import { afterAll, setDefaultTimeout } from "bun:test";

setDefaultTimeout(30_000);

// A preload's afterAll runs once, after the last file: the Redis keys of every test prefix of this
// run are deleted (servers delete theirs when they stop; this catches those a test started itself).
afterAll(async () => {
  const { sweepTestRedisPrefixes } = await import("./helpers/server");
  await sweepTestRedisPrefixes();
}, 60_000);
