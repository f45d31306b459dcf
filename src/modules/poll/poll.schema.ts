// Polls on text posts (issue 19): what post.create / post.update take and what every post read shows.
import { z } from "zod";
import { outDate, outId } from "../common/common.output";
import { idSchema } from "../../lib/pagination";

export const POLL_MIN_OPTIONS = 2;
export const POLL_MAX_OPTIONS = 4;
export const POLL_OPTION_MAX = 100;
/** Mastodon's bounds: 5 minutes to 7 days. */
export const POLL_MIN_SECONDS = 300;
export const POLL_MAX_SECONDS = 7 * 86_400;

const option = z.string().trim().min(1, "A poll option needs text").max(POLL_OPTION_MAX, `A poll option is at most ${POLL_OPTION_MAX} characters`);

export const pollInput = z
  .object({
    options: z.array(option).min(POLL_MIN_OPTIONS).max(POLL_MAX_OPTIONS)
      .refine((o) => new Set(o.map((t) => t.toLowerCase())).size === o.length, "Poll options must differ"),
    /** Several options may be chosen (checkboxes) rather than one (radio buttons). */
    multiple: z.boolean().default(false),
    expiresInSeconds: z.number().int().min(POLL_MIN_SECONDS).max(POLL_MAX_SECONDS),
  })
  .strict();
export type PollInput = z.infer<typeof pollInput>;

/**
 * poll.vote: the 0-based indexes of the options chosen, each once. Whether they exist in this poll
 * and whether a single-choice poll got one is checked against the poll (BAD_REQUEST, field choices).
 */
export const voteInput = z
  .object({
    postId: idSchema,
    // Range and repetition are checked on the whole list, so that `field` is `choices` either way.
    choices: z.array(z.number().int()).min(1).max(POLL_MAX_OPTIONS)
      .refine((c) => c.every((i) => i >= 0 && i < POLL_MAX_OPTIONS), `Choices are option indexes, 0 to ${POLL_MAX_OPTIONS - 1}`)
      .refine((c) => new Set(c).size === c.length, "Each option can be chosen once"),
  })
  .strict();
export type VoteInput = z.infer<typeof voteInput>;

export const pollGetInput = z.object({ postId: idSchema }).strict();

export const pollSchema = z.object({
  id: outId,
  multiple: z.boolean(),
  /** Null while the post is a draft or scheduled: the poll opens (its clock starts) when the post is published. */
  expiresAt: outDate.nullable(),
  /** Closed to votes: it ended (results are then shown to everyone). */
  expired: z.boolean(),
  /** Votes over all options (a multiple-choice voter counts once per option chosen); null while results are hidden. */
  votesCount: z.number().int().nullable(),
  /** Accounts that voted; null while results are hidden. */
  votersCount: z.number().int().nullable(),
  /** Hidden until the viewer voted or the poll ended (Mastodon's rule); the author always sees them. */
  resultsHidden: z.boolean(),
  options: z.array(z.object({ title: z.string(), votesCount: z.number().int().nullable() })),
  /** The viewer's own vote (anonymous: none); votes are final. */
  viewer: z.object({ voted: z.boolean(), choices: z.array(z.number().int()) }),
});

/** What poll.vote and poll.get answer. */
export const pollResultSchema = z.object({ poll: pollSchema });
export type PollView = z.infer<typeof pollSchema>;
