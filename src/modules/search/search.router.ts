// search.posts / search.tags / search.users: open to signed-out callers (viewerProcedure); what
// they answer is what this viewer may see (search.service.ts).
import { router, viewerProcedure } from "../../trpc/init";
import { searchPostsInput, searchTagsInput, searchUsersInput } from "./search.schema";
import { tagSearchSchema, timelinePageSchema, userSearchPageSchema } from "./search.output";
import { searchPeople, searchPosts, searchTags } from "./search.service";

export const searchRouter = router({
  posts: viewerProcedure.input(searchPostsInput).output(timelinePageSchema).query(({ ctx, input }) =>
    searchPosts(ctx.db, ctx.session?.userId ?? null, input)),
  tags: viewerProcedure.input(searchTagsInput).output(tagSearchSchema).query(({ ctx, input }) => searchTags(ctx.db, input)),
  users: viewerProcedure.input(searchUsersInput).output(userSearchPageSchema).query(({ ctx, input }) =>
    searchPeople(ctx.db, ctx.session?.userId ?? null, input)),
});
