import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { createListInput, listIdInput, listMemberInput, listPostsInput, myListsInput, updateListInput } from "./list.schema";
import * as lists from "./list.service";

export const listRouter = router({
  create: authedProcedure.input(createListInput).mutation(({ ctx, input }) => lists.createList(ctx.db, ctx.session.userId, input)),
  update: authedProcedure.input(updateListInput).mutation(({ ctx, input }) => lists.updateList(ctx.db, ctx.session.userId, input)),
  delete: authedProcedure.input(listIdInput).mutation(({ ctx, input }) => lists.deleteList(ctx.db, ctx.session.userId, input.listId)),
  addMember: authedProcedure.input(listMemberInput).mutation(({ ctx, input }) => lists.addMember(ctx.db, ctx.session.userId, input.listId, input.userId)),
  removeMember: authedProcedure.input(listMemberInput).mutation(({ ctx, input }) =>
    lists.removeMember(ctx.db, ctx.session.userId, input.listId, input.userId)),
  get: viewerProcedure.input(listIdInput).query(({ ctx, input }) => lists.getList(ctx.db, ctx.session?.userId ?? null, input.listId)),
  mine: authedProcedure.input(myListsInput).query(({ ctx, input }) => lists.myLists(ctx.db, ctx.session.userId, input)),
  posts: viewerProcedure.input(listPostsInput).query(({ ctx, input }) => lists.listPosts(ctx.db, ctx.session?.userId ?? null, input)),
});
