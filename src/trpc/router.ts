import { healthRouter } from "../modules/health/health.router";
import { router } from "./init";

export const appRouter = router({
  health: healthRouter,
});

/** Imported (as a type only) by TypeScript frontends: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;
