import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import {
  addContentInput, contentIdInput, createSectionInput, listSectionsInput, reorderSectionsInput, sectionIdInput,
  updateContentInput, updateSectionInput,
} from "./section.schema";
import * as sections from "./section.service";

export const sectionRouter = router({
  list: viewerProcedure.input(listSectionsInput).query(({ ctx, input }) =>
    sections.listSections(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input.username)),
  create: authedProcedure.input(createSectionInput).mutation(({ ctx, input }) => sections.createSection(ctx.db, ctx.session.userId, input)),
  update: authedProcedure.input(updateSectionInput).mutation(({ ctx, input }) => sections.updateSection(ctx.db, ctx.session.userId, input)),
  delete: authedProcedure.input(sectionIdInput).mutation(({ ctx, input }) => sections.deleteSection(ctx.db, ctx.session.userId, input.sectionId)),
  reorder: authedProcedure.input(reorderSectionsInput).mutation(({ ctx, input }) =>
    sections.reorderSections(ctx.db, ctx.session.userId, input.sectionIds)),
  addContent: authedProcedure.input(addContentInput).mutation(({ ctx, input }) => sections.addContent(ctx.db, ctx.session.userId, input)),
  updateContent: authedProcedure.input(updateContentInput).mutation(({ ctx, input }) => sections.updateContent(ctx.db, ctx.session.userId, input)),
  removeContent: authedProcedure.input(contentIdInput).mutation(({ ctx, input }) =>
    sections.removeContent(ctx.db, ctx.session.userId, input.contentId)),
});
