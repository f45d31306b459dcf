import { authedProcedure, router } from "../../trpc/init";
import { confirmUploadInput, createUploadInput, deleteMediaInput } from "./media.schema";
import * as media from "./media.service";

export const mediaRouter = router({
  createUpload: authedProcedure.input(createUploadInput).mutation(({ ctx, input }) =>
    media.createUpload(ctx.db, ctx.deps.media, ctx.session.userId, input)),
  confirmUpload: authedProcedure.input(confirmUploadInput).mutation(({ ctx, input }) =>
    media.confirmUpload(ctx.db, ctx.deps.media, ctx.session.userId, input)),
  delete: authedProcedure.input(deleteMediaInput).mutation(({ ctx, input }) => media.deleteMedia(ctx.db, ctx.deps.media, ctx.session.userId, input)),
});
