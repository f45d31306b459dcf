// Entry point of `bun run dev` and `bun run start`.
import { env } from "./env";
import { logger } from "./lib/logger";
import { startServer } from "./server";

const running = await startServer(env, logger);
logger.info({ url: running.url, rpc: `${running.url}/api/rpc` }, "VRSS listening");

// SIGTERM (an orchestrator's stop, a deploy) or SIGINT (Ctrl-C): drain gracefully within
// SHUTDOWN_GRACE_MS (src/server.ts), then exit 0 — a clean, expected stop. A second signal
// during the drain forces it (an impatient Ctrl-C). The watchdog exits 1 should closing hang
// past the grace period plus a margin: that is a bug, and the orchestrator would SIGKILL anyway.
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    logger.warn({ signal }, "second signal: stopping now");
    await running.stop().catch(() => {});
    process.exit(0);
  }
  stopping = true;
  logger.info({ signal, graceMs: env.SHUTDOWN_GRACE_MS }, "shutting down");
  const watchdog = setTimeout(() => {
    logger.error({ graceMs: env.SHUTDOWN_GRACE_MS }, "shutdown did not finish in time; exiting");
    process.exit(1);
  }, env.SHUTDOWN_GRACE_MS + 5_000);
  watchdog.unref();
  const report = await running.drain(env.SHUTDOWN_GRACE_MS);
  logger.info(report, "stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
