import { authedProcedure, router } from "../../trpc/init";
import { confirmUploadInput, createUploadInput, deleteMediaInput } from "./media.schema";
import * as media from "./media.service";
import { deletedSchema } from "../common/common.output";
import { createUploadOutput, uploadSchema } from "./media.output";

export const mediaRouter = router({
  createUpload: authedProcedure.input(createUploadInput).output(createUploadOutput).mutation(({ ctx, input }) =>
    media.createUpload(ctx.db, ctx.deps.media, ctx.session.userId, input)),
  confirmUpload: authedProcedure.input(confirmUploadInput).output(uploadSchema).mutation(({ ctx, input }) =>
    media.confirmUpload(ctx.db, ctx.deps.media, ctx.session.userId, input)),
  delete: authedProcedure.input(deleteMediaInput).output(deletedSchema).mutation(({ ctx, input }) => media.deleteMedia(ctx.db, ctx.deps.media, ctx.session.userId, input)),
});
