// poll.*: voting in the polls of text posts (issue 19), and reading one poll. A post's poll also
// comes with the post itself in every post read (`poll`, from pollsFor).
import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { pollGetInput, pollResultSchema, voteInput } from "./poll.schema";
import { getPoll, votePoll } from "./poll.service";

export const pollRouter = router({
  /**
   * Votes once, for good (no change, no retraction). NOT_FOUND when the post is missing, hidden from
   * the caller, not published or has no poll; BAD_REQUEST POLL_EXPIRED once it ended; CONFLICT
   * ALREADY_VOTED on a second vote; BAD_REQUEST field `choices` for choices that do not fit it.
   */
  vote: authedProcedure.input(voteInput).output(pollResultSchema).mutation(async ({ ctx, input }) =>
    ({ poll: await votePoll(ctx.db, ctx.session.userId, input) })),
  /** The poll of a post the caller may see, with the results if they may see them. */
  get: viewerProcedure.input(pollGetInput).output(pollResultSchema).query(async ({ ctx, input }) =>
    ({ poll: await getPoll(ctx.db, ctx.session?.userId ?? null, input.postId) })),
});
