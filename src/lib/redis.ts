// Redis when REDIS_CLUSTER_NODES or REDIS_URL is set; otherwise every Redis-backed facility (cache,
// rate limits, pub/sub) falls back to an in-process implementation. Callers hold `RedisHandle | null`.
//
// Cluster rules every caller must follow (ioredis' Cluster rejects anything else, the server answers
// CROSSSLOT): one command, one MULTI and one pipeline may only touch keys of ONE hash slot. Either
// give keys used together a shared `{hash tag}`, or split by slot with `keySlot()` (see
// RedisCache.del/bumpMany). Keep braces out of REDIS_KEY_PREFIX: a `{…}` there would put every key
// of the deployment in one slot, on one node.
import { createRequire } from "node:module";
import Redis, { Cluster, type ClusterNode } from "ioredis";

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
}

/** The hash slot (0-16383) a key lives in, honouring `{hash tags}`: the function ioredis routes by. */
export const keySlot = createRequire(import.meta.url)("cluster-key-slot") as (key: string) => number;

/**
 * A URL (`redis://…`, single node) or a list of Redis Cluster seed nodes (`host:port`, from
 * REDIS_CLUSTER_NODES; the client discovers the other nodes and the slot map from them).
 */
export function connectRedis(target: string | string[], prefix: string): RedisHandle {
  if (Array.isArray(target)) return connectCluster(target, prefix);
  const client = new Redis(target, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  let describe = "single node";
  try {
    const u = new URL(target);
    describe = `single node ${u.hostname}:${u.port || 6379}`;
  } catch {}
  return {
    client,
    prefix,
    mode: "single",
    describe,
    duplicate: () => client.duplicate(),
    close: () => quit(client),
  };
}

function connectCluster(nodes: string[], prefix: string): RedisHandle {
  if (!nodes.length) throw new Error("Redis Cluster: no seed nodes");
  const startupNodes = nodes.map(parseNode);
  const create = () => {
    const cluster = new Cluster(startupNodes, {
      // Per node, as for a single Redis: a command fails after two reconnect attempts.
      redisOptions: { maxRetriesPerRequest: 2 },
      enableOfflineQueue: true,
    });
    failFastWhileDown(cluster);
    return cluster;
  };
  const client = create();
  return {
    client,
    prefix,
    mode: "cluster",
    describe: `cluster via ${nodes.join(",")}`,
    // Not client.duplicate(): that copies the options but not failFastWhileDown's listeners.
    duplicate: create,
    close: () => quit(client),
  };
}

/**
 * A single-node client gives up on a command after `maxRetriesPerRequest` reconnects (~0.2 s when
 * the server refuses connections). ioredis' Cluster has no such limit for its own offline queue:
 * while no seed node answers it keeps reconnecting (right) and keeps every command queued until one
 * does (measured: forever), so a dead cluster would hang each request that touches the cache. Here:
 * commands queue only until the first connect attempt has either succeeded or failed; whenever the
 * whole cluster is unreachable, queued and new commands fail at once, and queueing comes back with
 * "ready". (One node down is handled by ioredis itself: redirections, failover delays, maxRedirections.)
 */
function failFastWhileDown(cluster: Cluster) {
  cluster.on("reconnecting", () => {
    cluster.options.enableOfflineQueue = false;
    // Not in ioredis' typings (private), present in 5.x and 6.x; without it only the few commands
    // queued during the very first connect attempt would wait for the cluster to come back.
    const flush = (cluster as unknown as { flushQueue?: (err: Error) => void }).flushQueue;
    if (typeof flush === "function") flush.call(cluster, new Error("Redis Cluster unreachable (no node answers)"));
  });
  cluster.on("ready", () => {
    cluster.options.enableOfflineQueue = true;
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
