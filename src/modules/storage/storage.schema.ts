import { z } from "zod";
import { idSchema } from "../../lib/pagination";

export const changeSubscriptionInput = z.object({ tierId: idSchema }).strict();
