// A real HTTP server on a random loopback port, backed by this test file's database.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { env as processEnv, parseEnv, type Env } from "../../src/env";
import { logger } from "../../src/lib/logger";
import { startServer, type RunningServer } from "../../src/server";
import type { TestDatabase } from "./db";

/** Test configuration: real Redis when TEST_REDIS_URL is set (keys under a per-server prefix). */
export function testEnv(overrides: Record<string, string> = {}): Env {
  const redis: Record<string, string> = processEnv.TEST_REDIS_URL
    ? { REDIS_URL: processEnv.TEST_REDIS_URL, REDIS_KEY_PREFIX: `vrsstest:${randomBytes(4).toString("hex")}:` }
    : {};
  return parseEnv({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    RUN_JOBS: "false",
    RATE_LIMIT_REGISTER_PER_IP: "1000",
    ...redis,
    ...overrides,
  });
}

export async function startTestServer(database: TestDatabase, overrides: Record<string, string> = {}): Promise<RunningServer> {
  // Each server gets its own embedded S3-compatible server over HTTP, in a throwaway directory.
  const s3Dir = mkdtempSync(join(tmpdir(), "vrss-s3-"));
  return startServer(testEnv(overrides), logger.child({}, { level: "silent" }), { database, s3Dir });
}

export interface RpcResult {
  status: number;
  body: any;
  headers: Headers;
}

/** Calls one procedure over plain HTTP, as curl would. */
export async function rpc(
  baseUrl: string,
  path: string,
  input?: unknown,
  opts: { method?: "GET" | "POST"; token?: string; headers?: Record<string, string> } = {},
): Promise<RpcResult> {
  const method = opts.method ?? "POST";
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let url = `${baseUrl}/api/rpc/${path}`;
  let body: string | undefined;
  if (method === "GET") {
    if (input !== undefined) url += `?input=${encodeURIComponent(JSON.stringify(input))}`;
  } else {
    headers["content-type"] ??= "application/json";
    body = input === undefined ? undefined : JSON.stringify(input);
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The data of a successful call; anything else fails the test with the response in the message. */
export function ok(res: RpcResult): any {
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.result.data;
}
