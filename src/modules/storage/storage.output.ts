// What storage and subscription procedures answer.
import { z } from "zod";
import { outDate, outId } from "../common/common.output";

export const usageSchema = z.object({
  usedBytes: z.number().int(),
  quotaBytes: z.number().int(),
  availableBytes: z.number().int(),
  reservedBytes: z.number().int(),
  percentUsed: z.number(),
  breakdown: z.object({ images: z.number().int(), videos: z.number().int(), audio: z.number().int(), other: z.number().int() }),
  tier: z.object({ id: outId.nullable(), name: z.string() }),
  subscription: z.object({ status: z.enum(["active", "canceled"]), currentPeriodEnd: outDate, graceEndsAt: outDate.nullable() }).nullable(),
  overQuota: z.boolean(),
});
export const tierListSchema = z.array(z.object({
  id: outId,
  name: z.string(),
  description: z.string().nullable(),
  storageBytes: z.number().int(),
  priceMonthlyCents: z.number().int(),
}));
export const subscriptionResultSchema = z.object({ changed: z.boolean(), usage: usageSchema });
