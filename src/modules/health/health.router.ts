import { z } from "zod";
import { publicProcedure, router } from "../../trpc/init";

export const healthRouter = router({
  /** Proves the RPC mount end to end: no database, no auth. */
  ping: publicProcedure
    .input(z.object({ echo: z.string().max(100).optional() }).strict().optional())
    .output(z.object({ pong: z.literal(true), echo: z.string().nullable(), time: z.iso.datetime() }))
    .query(({ input }) => ({ pong: true as const, echo: input?.echo ?? null, time: new Date().toISOString() })),
});
