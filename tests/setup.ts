// Test timeouts. Bun ignores bunfig's `[test] timeout` and stops tests and hooks at 5 s, which a
// busy 2-core machine (argon2, CREATE DATABASE, an embedded PGlite) exceeds. A preload's
// setDefaultTimeout reaches only the first test file, so every test file also calls
// `setDefaultTimeout(30_000)` at its top; this preload covers files that forget, and
// `bun run test` passes `--timeout 30000` as well (a plain `bun test <file>` still gets the calls).
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(30_000);
