import { AppError } from "../../lib/errors";
import { authedProcedure, router, viewerProcedure } from "../../trpc/init";
import { deleteAccount } from "../auth/auth.service";
import { clearedSessionCookie } from "../auth/cookies";
import { CUSTOM_CSS_MAX_BYTES, sanitizeCustomCss } from "./custom-css";
import { customCssOptions } from "./profile-scope";
import { requireOwnMediaUrl } from "../media/media.service";
import { getMe } from "./user.queries";
import {
  deleteUserInput, getUserInput, searchUsersInput, updateBackgroundInput, updateLayoutInput, updateMusicInput,
  updateProfileInput, updateStyleInput,
} from "./user.schema";
import { emit } from "../events/events";
import { getProfile, searchUsers, setProfileJson, updateProfileFields } from "./user.service";
import { deletedSchema } from "../common/common.output";
import {
  backgroundSchema, layoutSchema, meSchema, musicSchema, publicProfileSchema, updateStyleOutput, userSearchPageSchema,
} from "./user.output";

/** Where profile CSS may load images from: our own media origin only. */
export const userRouter = router({
  get: viewerProcedure.input(getUserInput).output(publicProfileSchema).query(({ ctx, input }) =>
    getProfile(ctx.db, ctx.deps.cache, ctx.session?.userId ?? null, input.username)),

  search: viewerProcedure.input(searchUsersInput).output(userSearchPageSchema).query(({ ctx, input }) => searchUsers(ctx.db, ctx.session?.userId ?? null, input)),

  updateProfile: authedProcedure.input(updateProfileInput).output(meSchema).mutation(async ({ ctx, input }) => {
    await updateProfileFields(ctx.db, ctx.deps.cache, ctx.session, input);
    return getMe(ctx.db, ctx.session.userId);
  }),

  updateBackground: authedProcedure.input(updateBackgroundInput).output(backgroundSchema).mutation(async ({ ctx, input }) => {
    // An image or video background is one of the caller's own uploads (a gif counts as an image).
    if (input.type !== "color") {
      await requireOwnMediaUrl(ctx.db, ctx.session.userId, input.value, input.type === "image" ? ["image", "gif"] : ["video"]);
    }
    await setProfileJson(ctx.db, ctx.deps.cache, ctx.session, "background_config", input);
    return (await getMe(ctx.db, ctx.session.userId)).profile.background;
  }),

  updateMusic: authedProcedure.input(updateMusicInput).output(musicSchema).mutation(async ({ ctx, input }) => {
    await setProfileJson(ctx.db, ctx.deps.cache, ctx.session, "music_config", input);
    return (await getMe(ctx.db, ctx.session.userId)).profile.music;
  }),

  updateStyle: authedProcedure.input(updateStyleInput.prefault({})).output(updateStyleOutput).mutation(async ({ ctx, input }) => {
    const { customCSS, ...rest } = input;
    let style: Record<string, unknown> = { ...rest };
    let removed: string[] = [];
    if (customCSS !== undefined) {
      if (Buffer.byteLength(customCSS, "utf8") > CUSTOM_CSS_MAX_BYTES) {
        throw new AppError("PAYLOAD_TOO_LARGE", "customCSS is larger than 20 KB", { field: "customCSS", appCode: "CSS_TOO_LARGE" });
      }
      const result = sanitizeCustomCss(customCSS, customCssOptions(ctx.session.userId, ctx.deps.media.publicBaseUrl));
      style = { ...style, customCSS: result.css };
      removed = result.removed;
    }
    await setProfileJson(ctx.db, ctx.deps.cache, ctx.session, "style_config", style);
    return { style: (await getMe(ctx.db, ctx.session.userId)).profile.style, removed };
  }),

  updateLayout: authedProcedure.input(updateLayoutInput).output(layoutSchema).mutation(async ({ ctx, input }) => {
    const sections = [...input.sections].sort((a, b) => a.order - b.order);
    await setProfileJson(ctx.db, ctx.deps.cache, ctx.session, "layout_config", { sections });
    // What was stored: profiles no longer carry the layout (their sections are section.list's).
    return { sections };
  }),

  delete: authedProcedure.input(deleteUserInput).output(deletedSchema).mutation(async ({ ctx, input }) => {
    const result = await deleteAccount(ctx.deps, ctx.session.userId, input.password);
    await emit({ db: ctx.db, cache: ctx.deps.cache }, { type: "account.statusChanged", userId: ctx.session.userId, username: ctx.session.username });
    ctx.resHeaders.append("Set-Cookie", clearedSessionCookie(ctx.deps.env));
    return result;
  }),
});
