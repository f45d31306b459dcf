// The router's type as a client sees it, for `bun run build:types` (dist/types/trpc/client-router.d.ts).
// Never imported at run time (src/client.ts imports its type only).
//
// The declaration of `typeof appRouter` names the server's Context (the database, Redis, S3, pino
// types) and services' named return types (which import Drizzle, postgres.js…), so a frontend
// compiling it would load ~1,400 files and Bun/Node globals. Here the same router is restated with
// `ctx: object` and every input and output spelled out structurally: the aliases below are local to
// `clientView`, so the declaration emitter cannot name them and writes plain object types, and the
// emitted file imports nothing but @trpc/server. Only the types change; procedures, inputs,
// outputs and the error shape are exactly the server's.
import type {
  AnyTRPCRouter, TRPCBuiltRouter, TRPCMutationProcedure, TRPCQueryProcedure, TRPCSubscriptionProcedure,
} from "@trpc/server";
import { appRouter } from "./router";

function clientView<R extends AnyTRPCRouter>(router: R) {
  /** T written out: objects property by property (`as K` keeps modifiers and drops alias names). */
  type Plain<T> = 0 extends 1 & T ? T
    : T extends string | number | boolean | bigint | symbol | null | undefined | Date ? T
    : T extends AsyncIterable<infer U, infer Ret, infer Next> ? AsyncIterable<Plain<U>, Plain<Ret>, Next>
    : T extends (...args: never[]) => unknown ? T
    : T extends readonly unknown[] ? { [I in keyof T]: Plain<T[I]> }
    : { [K in keyof T as K]: Plain<T[K]> };
  type Records<X> = {
    [K in keyof X]: X[K] extends TRPCQueryProcedure<infer D> ? TRPCQueryProcedure<{ input: Plain<D["input"]>; output: Plain<D["output"]>; meta: object }>
      : X[K] extends TRPCMutationProcedure<infer D> ? TRPCMutationProcedure<{ input: Plain<D["input"]>; output: Plain<D["output"]>; meta: object }>
      : X[K] extends TRPCSubscriptionProcedure<infer D> ? TRPCSubscriptionProcedure<{ input: Plain<D["input"]>; output: Plain<D["output"]>; meta: object }>
      : Records<X[K]>;
  };
  type Root = R["_def"]["_config"]["$types"];
  return router as unknown as TRPCBuiltRouter<
    { ctx: object; meta: object; errorShape: Plain<Root["errorShape"]>; transformer: Root["transformer"] },
    Records<R["_def"]["record"]>
  >;
}

const clientRouter = clientView(appRouter);
/** `AppRouter` for clients: src/client.ts exports it. */
export type ClientAppRouter = typeof clientRouter;
