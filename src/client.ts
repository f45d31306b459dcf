// The one entry frontends import: `import { type AppRouter, APP_CODES } from "vrss/client"`.
//
// Everything here is types or dependency-free constants, so a browser bundle gets a few arrays and
// a strict DOM-only TypeScript program compiles it without Bun's or Node's types. Types resolve
// through package.json `exports["./client"].types` to dist/types/client.d.ts (`bun run build:types`),
// whose AppRouter (src/trpc/client-router.ts) imports nothing but @trpc/server; inside this
// repository the same names resolve to the sources.
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { ClientAppRouter } from "./trpc/client-router";

/** `createTRPCClient<AppRouter>(…)`: every procedure, its input and output, and the error shape. */
export type AppRouter = ClientAppRouter;
/** `RouterInputs["post"]["create"]`: what a procedure takes. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** `RouterOutputs["feed"]["home"]`: what a procedure answers (as JSON: dates are ISO strings). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** `TRPCClientError<AppRouter>#data.appCode`: a stable reason, or null. */
export { APP_CODES, isAppErrorCode, type AppErrorCode } from "./lib/app-codes";

export { POST_TYPES, POST_STATUSES, type PostType, type PostStatus } from "./modules/post/post.constants";
export { FILTER_TYPES, FILTER_OPERATORS, type FilterType, type FilterOperator } from "./modules/feed/feed.constants";
export { MESSAGE_PRIVACY, type MessagePrivacy } from "./modules/message/message.constants";
export { PROFILE_VISIBILITIES, SECTION_TYPES, type ProfileVisibility, type SectionType } from "./modules/user/user.constants";
export { NOTIFICATION_TYPES, type NotificationType } from "./modules/notification/notification.constants";
export {
  ALLOWED_MIME_TYPES, MAX_AUDIO_SIZE, MAX_IMAGE_SIZE, MAX_VIDEO_SIZE, MEDIA_KINDS, type MediaKind,
} from "./modules/media/media.rules";
