import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import {
  addContentInput, contentIdInput, createSectionInput, listSectionsInput, reorderSectionsInput, sectionFeedInput, sectionIdInput,
  updateContentInput, updateSectionInput,
} from "./section.schema";
import * as sections from "./section.service";
import { sectionFeed } from "./section.feed";
import { timelinePageSchema } from "../post/post.output";
import { deletedSchema } from "../common/common.output";
import { reorderedSectionsSchema, sectionContentSchema, sectionListSchema, sectionSchema } from "./section.output";

export const sectionRouter = router({
  list: viewerProcedure.input(listSectionsInput).output(sectionListSchema).query(({ ctx, input }) =>
    sections.listSections(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input.username)),
  /** A `feed` section's posts, as feed.execute answers them. */
  feed: viewerProcedure.input(sectionFeedInput).output(timelinePageSchema).query(({ ctx, input }) =>
    sectionFeed(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input)),
  create: authedProcedure.input(createSectionInput).output(sectionSchema).mutation(({ ctx, input }) => sections.createSection(ctx.db, ctx.session.userId, input)),
  update: authedProcedure.input(updateSectionInput).output(sectionSchema).mutation(({ ctx, input }) => sections.updateSection(ctx.db, ctx.session.userId, input)),
  delete: authedProcedure.input(sectionIdInput).output(deletedSchema).mutation(({ ctx, input }) => sections.deleteSection(ctx.db, ctx.session.userId, input.sectionId)),
  reorder: authedProcedure.input(reorderSectionsInput).output(reorderedSectionsSchema).mutation(({ ctx, input }) =>
    sections.reorderSections(ctx.db, ctx.session.userId, input.sectionIds)),
  addContent: authedProcedure.input(addContentInput).output(sectionContentSchema).mutation(({ ctx, input }) => sections.addContent(ctx.db, ctx.session.userId, input)),
  updateContent: authedProcedure.input(updateContentInput).output(sectionContentSchema).mutation(({ ctx, input }) => sections.updateContent(ctx.db, ctx.session.userId, input)),
  removeContent: authedProcedure.input(contentIdInput).output(deletedSchema).mutation(({ ctx, input }) =>
    sections.removeContent(ctx.db, ctx.session.userId, input.contentId)),
});
