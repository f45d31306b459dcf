import { authRouter } from "../modules/auth/auth.router";
import { healthRouter } from "../modules/health/health.router";
import { sectionRouter } from "../modules/section/section.router";
import { userRouter } from "../modules/user/user.router";
import { router } from "./init";

export const appRouter = router({
  health: healthRouter,
  auth: authRouter,
  user: userRouter,
  section: sectionRouter,
});

/** Imported (as a type only) by TypeScript frontends: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;
