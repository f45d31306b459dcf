// Redis when REDIS_CLUSTER_NODES or REDIS_URL is set; otherwise every Redis-backed facility (cache,
// rate limits, pub/sub) falls back to an in-process implementation. Callers hold `RedisHandle | null`.
//
// Cluster rules every caller must follow (ioredis' Cluster rejects anything else, the server answers
// CROSSSLOT): one command, one MULTI and one pipeline may only touch keys of ONE hash slot. Either
// give keys used together a shared `{hash tag}`, or split by slot with `keySlot()` (see
// RedisCache.del/bumpMany). Keep braces out of REDIS_KEY_PREFIX: a `{…}` there would put every key
// of the deployment in one slot, on one node.
//
// Redis is an accelerator, not a single point of failure (issue 15):
// - every command gives up after REDIS_COMMAND_TIMEOUT_MS (a frozen server), none waits in an offline
//   queue while the connection is down (a dead server: commands fail at once), and a command is
//   retried on at most one reconnect;
// - a circuit breaker on the handle: the first failure (timeout, connection error; not a server
//   ReplyError) opens it, and for BREAKER_OPEN_MS every caller that asks `available()` / uses `run()`
//   skips Redis at once (cache bypassed, in-memory rate limits, primary reads). A background PING
//   probes it (half-open) every BREAKER_OPEN_MS, and at once when a connection becomes ready again;
//   the first answer closes it and calls the `onRecover` listeners (the cache's epoch bump, the SSE
//   resync). One warning per outage, one info on recovery;
// - every client (duplicates and Cluster clients included) has an `error` listener: no ioredis
//   "Unhandled error event" stack ever reaches stderr.
import { createRequire } from "node:module";
import Redis, { Cluster, type ClusterNode, type RedisOptions } from "ioredis";
import { env as processEnv } from "../env";
import { logger as processLogger, type Logger } from "./logger";

export type RedisClient = Redis | Cluster;

export interface RedisHandle {
  client: RedisClient;
  prefix: string;
  /** "single" (REDIS_URL) or "cluster" (REDIS_CLUSTER_NODES). */
  mode: "single" | "cluster";
  /** For logs: where it connects, without credentials. */
  describe: string;
  /** A new connection with the same configuration (pub/sub needs its own: a subscribed connection does nothing else). */
  duplicate(): RedisClient;
  close(): Promise<void>;
  /** False while the circuit breaker is open (or the client lost its connection): skip Redis now. */
  available(): boolean;
  /** "ok" when Redis answers; "degraded" while it does not (the app serves from PostgreSQL / memory). For /ready. */
  status(): "ok" | "degraded";
  /**
   * Runs one Redis operation through the breaker: rejects at once with RedisUnavailableError while
   * it is open; a connection failure or timeout opens it (a server ReplyError does not).
   */
  run<T>(op: (client: RedisClient) => Promise<T>): Promise<T>;
  /** For callers that talk to the client themselves (rate limits): a failed command opens the breaker. */
  reportFailure(error: unknown): void;
  /** Called once per recovery (the breaker closing after an outage). Returns an unsubscribe. */
  onRecover(listener: () => void): () => void;
  /** The logger of the outage warning / recovery info (default: the process logger). */
  setLogger(log: Logger): void;
}

export interface RedisOptionsExtra {
  log?: Logger;
  /** Default REDIS_COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
  /** How long the breaker stays open before a probe (default REDIS_BREAKER_OPEN_MS). */
  breakerOpenMs?: number;
}

/** Thrown by RedisHandle.run while the breaker is open. */
export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
  constructor(message = "Redis unavailable (circuit open)") {
    super(message);
  }
}

/** The hash slot (0-16383) a key lives in, honouring `{hash tags}`: the function ioredis routes by. */
export const keySlot = createRequire(import.meta.url)("cluster-key-slot") as (key: string) => number;

/** A reply from a reachable server (WRONGTYPE, CROSSSLOT, NOSCRIPT…): not an outage. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && (error.name === "ReplyError" || error.constructor?.name === "ReplyError");
}

/**
 * A URL (`redis://…`, single node) or a list of Redis Cluster seed nodes (`host:port`, from
 * REDIS_CLUSTER_NODES; the client discovers the other nodes and the slot map from them).
 */
export function connectRedis(target: string | string[], prefix: string, opts: RedisOptionsExtra = {}): RedisHandle {
  const commandTimeout = opts.commandTimeoutMs ?? processEnv.REDIS_COMMAND_TIMEOUT_MS;
  const openMs = opts.breakerOpenMs ?? processEnv.REDIS_BREAKER_OPEN_MS;
  if (Array.isArray(target)) return withBreaker(connectCluster(target, commandTimeout), prefix, openMs, commandTimeout, opts.log);
  const options: RedisOptions = {
    commandTimeout,
    maxRetriesPerRequest: 1,
    // Queued only during the very first connect (each command still bounded by commandTimeout), so a
    // request arriving while the server starts is not failed for nothing; off from the first
    // "ready" or failure on (armSingle).
    enableOfflineQueue: true,
    lazyConnect: false,
    connectTimeout: Math.max(1_000, commandTimeout * 5),
    // Reconnect quickly, at most every second.
    retryStrategy: (times) => Math.min(50 * times, 1_000),
  };
  const create = () => armSingle(new Redis(target, options));
  let describe = "single node";
  try {
    const u = new URL(target);
    describe = `single node ${u.hostname}:${u.port || 6379}`;
  } catch {}
  return withBreaker({ client: create(), mode: "single", describe, duplicate: create }, prefix, openMs, commandTimeout, opts.log);
}

/** No offline queue once the first connect attempt has succeeded or failed; an error listener always. */
function armSingle(client: Redis): Redis {
  client.on("error", () => {
    // Reported through the breaker (connection events, failed commands): one warning per outage.
    client.options.enableOfflineQueue = false;
  });
  const noQueue = () => {
    client.options.enableOfflineQueue = false;
  };
  client.once("ready", noQueue);
  client.once("close", noQueue);
  return client;
}

function connectCluster(nodes: string[], commandTimeout: number) {
  if (!nodes.length) throw new Error("Redis Cluster: no seed nodes");
  const startupNodes = nodes.map(parseNode);
  const create = () => {
    const cluster = new Cluster(startupNodes, {
      // Per node, as for a single Redis: a command fails after one reconnect attempt, and after
      // commandTimeout on a node that does not answer.
      redisOptions: { maxRetriesPerRequest: 1, commandTimeout, connectTimeout: Math.max(1_000, commandTimeout * 5) },
      enableOfflineQueue: true,
      clusterRetryStrategy: (times) => Math.min(100 * times, 1_000),
    });
    cluster.on("error", () => {});
    cluster.on("node error", () => {});
    failFastWhileDown(cluster);
    return cluster;
  };
  return {
    client: create() as RedisClient,
    mode: "cluster" as const,
    describe: `cluster via ${nodes.join(",")}`,
    // Not client.duplicate(): that copies the options but not failFastWhileDown's listeners.
    duplicate: create as () => RedisClient,
  };
}

function withBreaker(
  base: { client: RedisClient; mode: "single" | "cluster"; describe: string; duplicate: () => RedisClient },
  prefix: string,
  openMs: number,
  commandTimeout: number,
  initialLog: Logger | undefined,
): RedisHandle {
  const { client } = base;
  let log = initialLog ?? processLogger;
  let down = false;
  let openUntil = 0;
  let probing = false;
  let probeTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let outageStartedAt = 0;
  let everReady = client.status === "ready";
  const listeners = new Set<() => void>();

  // Commands issued during the very first connect wait for it (bounded by commandTimeout), then fail fast.
  let startupDone: () => void = () => {};
  const startup = new Promise<void>((resolve) => (startupDone = resolve));
  const connected = () => client.status === "ready";

  const scheduleProbe = (delay: number) => {
    if (closed || probeTimer) return;
    probeTimer = setTimeout(() => {
      probeTimer = null;
      void probe();
    }, delay);
    probeTimer.unref?.();
  };
  const probe = async () => {
    if (probing || closed || !down) return;
    probing = true;
    try {
      if (!connected()) throw new Error(`Redis not connected (${client.status})`);
      await client.ping();
      recover();
    } catch {
      openUntil = Date.now() + openMs;
      scheduleProbe(openMs);
    } finally {
      probing = false;
    }
  };
  const fail = (error: unknown) => {
    if (closed) return;
    openUntil = Date.now() + openMs;
    if (!down) {
      down = true;
      outageStartedAt = Date.now();
      log.warn({ redis: base.describe, err: error }, "Redis unavailable: cache bypassed, in-memory rate limits");
    }
    scheduleProbe(openMs);
  };
  const recover = () => {
    if (!down || closed) return;
    down = false;
    openUntil = 0;
    log.info({ redis: base.describe, outageMs: Date.now() - outageStartedAt }, "Redis available again: cache and shared rate limits back");
    for (const l of [...listeners]) {
      try {
        l();
      } catch (error) {
        log.error({ err: error }, "Redis recovery listener failed");
      }
    }
  };

  client.on("ready", () => {
    everReady = true;
    startupDone();
    // Probe at once (not after the rest of the open period): recovery is noticed within a round trip.
    if (down) {
      if (probeTimer) clearTimeout(probeTimer);
      probeTimer = null;
      void probe();
    }
  });
  client.on("close", () => {
    startupDone();
    if (everReady) fail(new Error("Redis connection closed"));
  });
  client.on("error", (error: unknown) => {
    startupDone();
    if (!everReady) fail(error);
  });

  // During the very first connect (not known to be down yet) callers go ahead: their commands wait
  // for it in the offline queue, bounded by commandTimeout.
  const available = () => !closed && !down && (connected() || !everReady);
  return {
    ...base,
    prefix,
    available,
    status: () => (available() ? "ok" : "degraded"),
    async run<T>(op: (c: RedisClient) => Promise<T>): Promise<T> {
      if (!everReady && !down && !closed) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([startup, new Promise<void>((r) => (timer = setTimeout(r, commandTimeout)))]);
        clearTimeout(timer);
      }
      if (closed) throw new RedisUnavailableError("Redis handle closed");
      if (down || Date.now() < openUntil) throw new RedisUnavailableError();
      if (!connected()) {
        const error = new RedisUnavailableError(`Redis not connected (${client.status})`);
        fail(error);
        throw error;
      }
      try {
        return await op(client);
      } catch (error) {
        if (!isReplyError(error)) fail(error);
        throw error;
      }
    },
    reportFailure(error) {
      if (!isReplyError(error)) fail(error);
    },
    onRecover(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    setLogger(next) {
      log = next;
    },
    async close() {
      closed = true;
      if (probeTimer) clearTimeout(probeTimer);
      probeTimer = null;
      listeners.clear();
      await quit(client);
    },
  };
}

/**
 * ioredis' Cluster has no limit for its own offline queue: while no seed node answers it keeps
 * reconnecting (right) and keeps every command queued until one does (measured: forever), so a dead
 * cluster would hang each request that touches the cache. Here: commands queue only until the first
 * connect attempt has either succeeded or failed; whenever the whole cluster is unreachable, queued
 * and new commands fail at once. Unlike before issue 15, queueing does not come back with "ready":
 * a command issued while the cluster reconnects fails at once (the breaker then skips Redis).
 * (One node down is handled by ioredis itself: redirections, failover delays, maxRedirections;
 * a node that does not answer by commandTimeout.)
 */
function failFastWhileDown(cluster: Cluster) {
  const off = () => {
    cluster.options.enableOfflineQueue = false;
  };
  cluster.once("ready", off);
  cluster.on("reconnecting", () => {
    off();
    // Not in ioredis' typings (private), present in 5.x and 6.x; without it only the few commands
    // queued during the very first connect attempt would wait for the cluster to come back.
    const flush = (cluster as unknown as { flushQueue?: (err: Error) => void }).flushQueue;
    if (typeof flush === "function") flush.call(cluster, new Error("Redis Cluster unreachable (no node answers)"));
  });
}

/** `host:port`, `[v6]:port`, or a bare host (port 6379). */
function parseNode(node: string): ClusterNode {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(node) ?? /^([^:]+)(?::(\d+))?$/.exec(node);
  if (!m || !m[1]) throw new Error(`Redis Cluster: bad node "${node}" (expected host:port)`);
  return { host: m[1], port: m[2] ? Number(m[2]) : 6379 };
}

async function quit(client: RedisClient) {
  await client.quit().catch(() => client.disconnect());
}
