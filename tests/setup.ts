// Preloaded by bunfig.toml: Bun ignores `[test] timeout` there and stops tests at 5 s, which a busy
// 2-core machine (argon2, CREATE DATABASE, an embedded PGlite) exceeds; every test gets 30 s.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(30_000);
