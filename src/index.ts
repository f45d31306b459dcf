// Entry point of `bun run dev` and `bun run start`.
import { env } from "./env";
import { logger } from "./lib/logger";
import { startServer } from "./server";

const running = await startServer(env, logger);
logger.info({ url: running.url, rpc: `${running.url}/api/rpc` }, "VRSS listening");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  await running.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
