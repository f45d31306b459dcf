// tRPC instance, the error formatter and the procedure tiers every router builds on.
import { initTRPC } from "@trpc/server";
import { z, ZodError } from "zod";
import { AppError, toTRPCError } from "../lib/errors";
import type { Context } from "./context";

/** The input field an issue is about; for unknown keys, the keys themselves. */
function issueField(issue: ZodError["issues"][number]): string {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(",");
  return path;
}

const t = initTRPC.context<Context>().create({
  // Never send a stack trace, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const app = cause instanceof AppError ? cause : undefined;
    const zod = cause instanceof ZodError ? cause : undefined;
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    const fieldErrors = zod ? z.flattenError(zod).fieldErrors : undefined;
    let message = shape.message;
    if (error.code === "INTERNAL_SERVER_ERROR") message = "Internal server error";
    else if (zod) message = zod.issues.map((i) => `${issueField(i) || "input"}: ${i.message}`).join("; ");
    return {
      ...shape,
      message,
      data: {
        ...data,
        appCode: app?.appCode ?? null,
        field: app?.field ?? ((zod?.issues[0] && issueField(zod.issues[0])) || null),
        details: app?.details ?? null,
        zodError: fieldErrors ?? null,
      },
    };
  },
});

export const router = t.router;
export const middleware = t.middleware;
export const createCallerFactory = t.createCallerFactory;

/** Maps AppError and PostgreSQL errors (SQLSTATE) to typed tRPC errors, in one place. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

export const publicProcedure = t.procedure.use(mapErrors);
