// Compile-time checks that the client types stay narrow: each @ts-expect-error below must be an
// error, so this file fails to compile if AppErrorCode widens to string, zodError to {}, or a
// procedure's types to any.
import type { TRPCClientError } from "@trpc/client";
import type { AppErrorCode, AppRouter, RouterInputs, RouterOutputs } from "vrss/client";

declare const error: TRPCClientError<AppRouter>;
declare const code: AppErrorCode;

// @ts-expect-error "NOT_A_CODE" is not an AppErrorCode
export const typo = code === "NOT_A_CODE";

// @ts-expect-error the appCode from an error is the same union
export const typoFromError = error.data?.appCode === "USERNAME_TAKEN_TYPO";

// @ts-expect-error an AppErrorCode cannot be made from any string
export const notACode: AppErrorCode = "SOMETHING_ELSE";

/** zodError is a record of messages per field, not `{}`. */
export const usernameMessages: string[] | undefined = error.data?.zodError?.["username"];

type IsAny<T> = 0 extends 1 & T ? true : false;
export const feedIsTyped: IsAny<RouterOutputs["feed"]["home"]> = false;
export const createIsTyped: IsAny<RouterInputs["post"]["create"]> = false;
export const dataIsTyped: IsAny<TRPCClientError<AppRouter>["data"]> = false;

// @ts-expect-error there is no such procedure
export type Missing = RouterOutputs["feed"]["nope"];
