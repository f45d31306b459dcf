import { authedProcedure, publicProcedure, router } from "../../trpc/init";
import { billingProvider } from "./billing";
import { changeSubscriptionInput } from "./storage.schema";
import * as storage from "./storage.service";
import { subscriptionResultSchema, tierListSchema, usageSchema } from "./storage.output";

export const storageRouter = router({
  usage: authedProcedure.output(usageSchema).query(({ ctx }) => storage.getUsage(ctx.db, ctx.session.userId)),
  tiers: publicProcedure.output(tierListSchema).query(({ ctx }) => storage.listTiers(ctx.db)),
});

export const subscriptionRouter = router({
  change: authedProcedure.input(changeSubscriptionInput).output(subscriptionResultSchema).mutation(({ ctx, input }) =>
    storage.changeSubscription(ctx.db, ctx.session.userId, input.tierId, billingProvider)),
  cancel: authedProcedure.output(subscriptionResultSchema).mutation(({ ctx }) => storage.cancelSubscription(ctx.db, ctx.session.userId, billingProvider)),
});
