import { authedProcedure, publicProcedure, router } from "../../trpc/init";
import { billingProvider } from "./billing";
import { changeSubscriptionInput } from "./storage.schema";
import * as storage from "./storage.service";

export const storageRouter = router({
  usage: authedProcedure.query(({ ctx }) => storage.getUsage(ctx.db, ctx.session.userId)),
  tiers: publicProcedure.query(({ ctx }) => storage.listTiers(ctx.db)),
});

export const subscriptionRouter = router({
  change: authedProcedure.input(changeSubscriptionInput).mutation(({ ctx, input }) =>
    storage.changeSubscription(ctx.db, ctx.session.userId, input.tierId, billingProvider)),
  cancel: authedProcedure.mutation(({ ctx }) => storage.cancelSubscription(ctx.db, ctx.session.userId, billingProvider)),
});
