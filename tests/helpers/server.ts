// A real HTTP server on a random loopback port, backed by this test file's database.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { env as processEnv, parseEnv, type Env } from "../../src/env";
import { logger, type Logger } from "../../src/lib/logger";
import { startServer, type RunningServer } from "../../src/server";
import { afterAll, beforeAll, expect } from "bun:test";
import Redis, { Cluster } from "ioredis";
import { createTestDatabase, type TestDatabase } from "./db";
import { createUserWithToken, type TestUser } from "./factories";

/**
 * Test configuration: real Redis when TEST_REDIS_URL is set (keys under a per-server prefix). A
 * caller that passes REDIS_CLUSTER_NODES gets that cluster instead, and no REDIS_URL injected.
 */
export function testEnv(overrides: Record<string, string> = {}): Env {
  const prefix = { REDIS_KEY_PREFIX: `vrsstest:${randomBytes(4).toString("hex")}:` };
  const redis: Record<string, string> = overrides.REDIS_CLUSTER_NODES
    ? prefix
    : processEnv.TEST_REDIS_URL
      ? { REDIS_URL: processEnv.TEST_REDIS_URL, ...prefix }
      : {};
  const env = parseEnv({
    NODE_ENV: "test",
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    RUN_JOBS: "false",
    RATE_LIMIT_REGISTER_PER_IP: "1000",
    ...redis,
    ...overrides,
  });
  const target = env.REDIS_CLUSTER_NODES.length ? env.REDIS_CLUSTER_NODES : env.REDIS_URL;
  if (target) usedPrefixes.set(env.REDIS_KEY_PREFIX, target);
  return env;
}

/**
 * Every Redis prefix a test env of this process was given, with its Redis: swept once more when the
 * whole run ends (tests/setup.ts), which catches servers a test started itself with startServer.
 */
const usedPrefixes = new Map<string, string | string[]>();

export async function sweepTestRedisPrefixes(): Promise<number> {
  const byTarget = new Map<string, { target: string | string[]; prefixes: string[] }>();
  for (const [prefix, target] of usedPrefixes) {
    const key = String(target);
    if (!byTarget.has(key)) byTarget.set(key, { target, prefixes: [] });
    byTarget.get(key)!.prefixes.push(prefix);
  }
  usedPrefixes.clear();
  let deleted = 0;
  for (const { target, prefixes } of byTarget.values()) deleted += await deleteRedisKeys(target, prefixes);
  return deleted;
}

/** Which media store a test server uses: its own embedded s3rver, or the real S3 of TEST_S3_*. */
export type StoreKind = "embedded" | "s3";

/** The store kinds this run can test: always the embedded one; the real S3 when TEST_S3_ENDPOINT is set. */
export const storeKinds: StoreKind[] = processEnv.TEST_S3_ENDPOINT ? ["embedded", "s3"] : ["embedded"];

/** Overrides that point a test server at the real S3 of TEST_S3_* (CORS rule applied at start). */
export function realS3Env(): Record<string, string> {
  if (!processEnv.TEST_S3_ENDPOINT) throw new Error("TEST_S3_ENDPOINT is not set");
  return {
    S3_ENDPOINT: processEnv.TEST_S3_ENDPOINT,
    S3_BUCKET: processEnv.TEST_S3_BUCKET,
    S3_REGION: processEnv.TEST_S3_REGION,
    S3_ACCESS_KEY_ID: processEnv.TEST_S3_ACCESS_KEY_ID ?? "",
    S3_SECRET_ACCESS_KEY: processEnv.TEST_S3_SECRET_ACCESS_KEY ?? "",
    S3_CONFIGURE_BUCKET: "true",
  };
}

export async function startTestServer(
  database: TestDatabase, overrides: Record<string, string> = {}, opts: { store?: StoreKind; /** Default: a silent logger. */ log?: Logger } = {},
): Promise<RunningServer> {
  // Each server gets its own embedded S3-compatible server over HTTP, in a throwaway directory
  // (unless it is pointed at the real S3, or at some S3_ENDPOINT of the test's own).
  const s3Dir = mkdtempSync(join(tmpdir(), "vrss-s3-"));
  const env = testEnv({ ...(opts.store === "s3" ? realS3Env() : {}), ...overrides });
  // Ports are random: media served by the app itself (GET /media) gets this server's own URL as
  // its base, unless the test names a PUBLIC_APP_URL.
  const server = await startServer(env, opts.log ?? logger.child({}, { level: process.env.TEST_LOG ?? "silent" }), { database, s3Dir, appUrl: overrides.PUBLIC_APP_URL ? undefined : "listening" });
  // Its Redis keys go with it: once the last server of this process using its prefix has stopped
  // (tests may share one between two servers), every key under it is deleted.
  const target = env.REDIS_CLUSTER_NODES.length ? env.REDIS_CLUSTER_NODES : env.REDIS_URL;
  if (!target) return server;
  const prefix = env.REDIS_KEY_PREFIX;
  prefixUsers.set(prefix, (prefixUsers.get(prefix) ?? 0) + 1);
  const stop = server.stop.bind(server);
  let stopped: Promise<void> | null = null;
  server.stop = () =>
    (stopped ??= (async () => {
      try {
        await stop();
      } finally {
        const left = (prefixUsers.get(prefix) ?? 1) - 1;
        if (left > 0) prefixUsers.set(prefix, left);
        else {
          prefixUsers.delete(prefix);
          await deleteRedisKeys(target, prefix);
        }
      }
    })());
  return server;
}

/** How many running test servers of this process use each Redis key prefix. */
const prefixUsers = new Map<string, number>();

/**
 * Deletes every key under `prefix` (SCAN + UNLINK; on a cluster, on each master, SCAN being
 * node-local). Best effort within a few seconds: a fault test's Redis may be gone by now, and
 * that Redis was a throwaway one anyway.
 */
export async function deleteRedisKeys(target: string | string[], prefixOrPrefixes: string | string[]): Promise<number> {
  const prefixes = Array.isArray(prefixOrPrefixes) ? prefixOrPrefixes : [prefixOrPrefixes];
  for (const prefix of prefixes) {
    if (!prefix.startsWith("vrsstest:") && !prefix.startsWith("vrssct:")) throw new Error(`refusing to delete keys outside a test prefix: ${prefix}`);
  }
  const options = { lazyConnect: true, connectTimeout: 1_000, commandTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: true };
  const client = Array.isArray(target)
    ? new Cluster(target.map((n) => ({ host: n.split(":")[0]!, port: Number(n.split(":")[1]) })), { lazyConnect: true, redisOptions: options, clusterRetryStrategy: () => null })
    : new Redis(target, options);
  client.on("error", () => {});
  let deleted = 0;
  try {
    await client.connect();
    const nodes: Redis[] = client instanceof Cluster ? client.nodes("master") : [client];
    for (const node of nodes) for (const prefix of prefixes) {
      const escaped = prefix.replace(/[*?[\]\\]/g, "\\$&");
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `${escaped}*`, "COUNT", 1000);
        cursor = next;
        // One UNLINK per key: on a cluster, keys of one batch are in different slots.
        if (keys.length) deleted += (await Promise.all(keys.map((k) => node.unlink(k)))).reduce((a, b) => a + b, 0);
      } while (cursor !== "0");
    }
  } catch {
    // Unreachable (a stopped fault Redis): nothing to clean that the next flush would not.
  } finally {
    client.disconnect();
  }
  return deleted;
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

/** A test user with a live session token. */
export type Authed = TestUser & { token: string };

export interface TestApp {
  t: TestDatabase;
  s: RunningServer;
}

/** A fresh database and a server on it for the enclosing file or describe block (set in beforeAll). */
export function useServer(overrides: Record<string, string> = {}): TestApp {
  const app = {} as TestApp;
  beforeAll(async () => {
    app.t = await createTestDatabase();
    app.s = await startTestServer(app.t, overrides);
  }, 60_000);
  afterAll(async () => {
    await app.s?.stop();
    await app.t?.close();
  });
  return app;
}

/** Calls as a user (or anonymously with null): POST for mutations, GET for queries; and a new user. */
export function callersOf(app: TestApp) {
  return {
    mutate: (user: Authed | null, path: string, input?: unknown) => rpc(app.s.url, path, input, { token: user?.token }),
    query: (user: Authed | null, path: string, input?: unknown) => rpc(app.s.url, path, input, { method: "GET", token: user?.token }),
    user: (opts: Parameters<typeof createUserWithToken>[1] = {}) => createUserWithToken(app.t.sql, opts),
  };
}

/** The call failed with this tRPC code (and, when given, names this field). */
export function expectError(res: RpcResult, code: string, field?: string): void {
  expect({ code: res.body?.error?.data?.code, ...(field ? { field: res.body?.error?.data?.field } : {}) }).toEqual({ code, ...(field ? { field } : {}) });
}

/** Follows `nextCursor` from the first page to the last (at most `maxPages`): every item, and each page's size. */
export async function walkPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  maxPages = 50,
): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    sizes.push(page.items.length);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { items, sizes };
}

/**
 * A timeline page of plain posts (feed.discover, feed.execute, post.listByUser, post.bookmarks, or a
 * timeline without reposts): checks every item is a post item (`{ id: "p<postId>", kind: "post",
 * post, repost: null }`) and returns the page with the posts themselves as its items.
 */
export function postsOf(page: { items: any[]; nextCursor: string | null }): any {
  for (const item of page.items) {
    expect({ id: item.id, kind: item.kind, repost: item.repost }).toEqual({ id: `p${item.post?.id}`, kind: "post", repost: null });
  }
  return { ...page, items: page.items.map((item) => item.post) };
}

/** Asserts code (and, when given, field / appCode) of an error response; returns error.data. */
export function expectErrorData(res: RpcResult, code: string, opts: { field?: string; appCode?: string } = {}): any {
  const data = res.body?.error?.data;
  expect({
    code: data?.code,
    ...(opts.field !== undefined ? { field: data?.field } : {}),
    ...(opts.appCode !== undefined ? { appCode: data?.appCode } : {}),
  }).toEqual({ code, ...opts });
  return data;
}
