import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { createListInput, listIdInput, listMemberInput, listPostsInput, myListsInput, updateListInput } from "./list.schema";
import * as lists from "./list.service";
import { deletedSchema } from "../common/common.output";
import { timelinePageSchema } from "../post/post.output";
import { listPageSchema, listSchema, listWithMembersSchema } from "./list.output";

export const listRouter = router({
  create: authedProcedure.input(createListInput).output(listSchema).mutation(({ ctx, input }) => lists.createList(ctx.db, ctx.session.userId, input)),
  update: authedProcedure.input(updateListInput).output(listSchema).mutation(({ ctx, input }) => lists.updateList(ctx.db, ctx.session.userId, input)),
  delete: authedProcedure.input(listIdInput).output(deletedSchema).mutation(({ ctx, input }) => lists.deleteList(ctx.db, ctx.session.userId, input.listId)),
  addMember: authedProcedure.input(listMemberInput).output(listSchema).mutation(({ ctx, input }) => lists.addMember(ctx.db, ctx.session.userId, input.listId, input.userId)),
  removeMember: authedProcedure.input(listMemberInput).output(listSchema).mutation(({ ctx, input }) =>
    lists.removeMember(ctx.db, ctx.session.userId, input.listId, input.userId)),
  get: viewerProcedure.input(listIdInput).output(listWithMembersSchema).query(({ ctx, input }) => lists.getList(ctx.db, ctx.session?.userId ?? null, input.listId)),
  mine: authedProcedure.input(myListsInput).output(listPageSchema).query(({ ctx, input }) => lists.myLists(ctx.db, ctx.session.userId, input)),
  posts: viewerProcedure.input(listPostsInput).output(timelinePageSchema).query(({ ctx, input }) => lists.listPosts(ctx.db, ctx.session?.userId ?? null, input)),
});
