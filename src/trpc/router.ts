import { accountRouter } from "../modules/account/account.router";
import { authRouter } from "../modules/auth/auth.router";
import { commentRouter } from "../modules/comment/comment.router";
import { feedRouter } from "../modules/feed/feed.router";
import { healthRouter } from "../modules/health/health.router";
import { listRouter } from "../modules/list/list.router";
import { mediaRouter } from "../modules/media/media.router";
import { moderationRouter } from "../modules/moderation/moderation.router";
import { reportRouter } from "../modules/moderation/report.router";
import { messageRouter } from "../modules/message/message.router";
import { notificationRouter } from "../modules/notification/notification.router";
import { pollRouter } from "../modules/poll/poll.router";
import { postRouter } from "../modules/post/post.router";
import { searchRouter } from "../modules/search/search.router";
import { tagRouter } from "../modules/search/tag.router";
import { socialRouter } from "../modules/social/social.router";
import { sectionRouter } from "../modules/section/section.router";
import { storageRouter, subscriptionRouter } from "../modules/storage/storage.router";
import { userRouter } from "../modules/user/user.router";
import { router } from "./init";

export const appRouter = router({
  health: healthRouter,
  auth: authRouter,
  account: accountRouter,
  user: userRouter,
  section: sectionRouter,
  post: postRouter,
  poll: pollRouter,
  comment: commentRouter,
  social: socialRouter,
  notification: notificationRouter,
  message: messageRouter,
  feed: feedRouter,
  list: listRouter,
  media: mediaRouter,
  storage: storageRouter,
  subscription: subscriptionRouter,
  search: searchRouter,
  tag: tagRouter,
  report: reportRouter,
  moderation: moderationRouter,
});

/** Imported (as a type only) by TypeScript frontends: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;
