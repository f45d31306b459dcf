// `bun run account:status <suspend|restore> <username>`: the operator's switch for an account, on
// DATABASE_URL (and REDIS_URL / REDIS_CLUSTER_NODES, whose caches it invalidates). A status set by
// hand in SQL also takes effect at once on reads (profile reads check status fresh; timelines
// hydrate under the policy), but only this path drops cached profiles and sessions.
import { env } from "../src/env";
import { openDatabase } from "../src/db/client";
import { createCache } from "../src/lib/cache";
import { createPubSub } from "../src/lib/pubsub";
import { connectRedis } from "../src/lib/redis";
import { revocationPublisher } from "../src/modules/auth/session-cache";
import { setAccountStatus, type OperatorStatus } from "../src/modules/user/account-status";

const [action, username] = process.argv.slice(2);
const statuses: Record<string, OperatorStatus> = { suspend: "suspended", restore: "active" };
if (!action || !username || !statuses[action]) {
  console.error("usage: bun run account:status <suspend|restore> <username>");
  process.exit(2);
}
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: 1 });
const redisTarget = env.REDIS_CLUSTER_NODES.length ? env.REDIS_CLUSTER_NODES : env.REDIS_URL;
const redis = redisTarget ? connectRedis(redisTarget, env.REDIS_KEY_PREFIX) : null;
// Running servers drop the account's cached sessions on this message (without Redis it reaches no
// other process: their entries then end within SESSION_CACHE_TTL_MS).
const pubsub = createPubSub(redis);
const sessions = revocationPublisher(pubsub, (error) =>
  console.error(`warning: sign-out not announced (${(error as Error).message}); servers may accept the account's sessions for up to SESSION_CACHE_TTL_MS`));
try {
  const { id, previous } = await setAccountStatus(database.db, createCache(redis), username, statuses[action]!, sessions);
  console.log(`${username} (id ${id}): ${previous} → ${statuses[action]}`);
} catch (error) {
  console.error(`${action} failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await pubsub.close();
  await redis?.close();
  await database.close();
}
