// Inputs of search.* and tag.*, and the search query language of search.posts:
//   words            every word must occur (AND), accents and case ignored: `café` = `cafe`
//   "two words"      a phrase: the words adjacent, in this order
//   #tag             the post carries the tag (post_tags, exact, lowercase)
//   from:username    by this author
//   type:<post type> of this type (text_short, image, song, … — post.schema.ts)
// Terms combine with AND. A word ending in ':' or an unknown `op:` prefix stays a plain word (a
// time like 10:30 is no operator). Anything malformed is BAD_REQUEST on field `query`, never a
// 500 and never a silently different search.
import { z } from "zod";
import { AppError } from "../../lib/errors";
import { paginationShape } from "../../lib/pagination";
import { usernameSchema } from "../auth/auth.schema";
import { POST_TYPES } from "../post/post.constants";
import { postTypeSchema, tagValueSchema } from "../feed/feed.schema";
import type { PostType } from "../post/post.schema";

export const MAX_QUERY_LENGTH = 200;
const MAX_WORDS = 12;
const MAX_TAGS = 5;
const MAX_PHRASES = 3;

const limit = z.number().int().min(1).max(50).default(20);

export const searchPostsInput = z
  .object({ query: z.string().trim().min(1).max(MAX_QUERY_LENGTH), cursor: paginationShape.cursor, limit })
  .strict();
/** search.users takes what user.search takes. */
export { searchUsersInput } from "../user/user.schema";
export const searchTagsInput = z
  .object({ prefix: z.string().trim().max(65), limit: z.number().int().min(1).max(50).default(10) })
  .strict();
export const tagPostsInput = z.object({ tag: tagValueSchema, ...paginationShape }).strict();
export const trendingTagsInput = z.object({ limit: z.number().int().min(1).max(50).default(10) }).strict().prefault({});

export interface ParsedQuery {
  /** Plain words, as typed (folded by SQL: the simple_unaccent configuration, drizzle/0062). */
  words: string[];
  phrases: string[];
  tags: string[];
  from: string | null;
  type: PostType | null;
}

function bad(message: string): AppError {
  return new AppError("BAD_REQUEST", message, { field: "query" });
}

/** A word counts when it holds a letter or digit; pure punctuation (`-`, `!!`) is no criterion. */
const MEANINGFUL = /[\p{L}\p{N}]/u;

/** `from:` / `type:` / `#` and then the rest of a whitespace-separated token. */
function operatorTerm(token: string, q: ParsedQuery): boolean {
  if (token.startsWith("#")) {
    const tag = tagValueSchema.safeParse(token);
    if (!tag.success) throw bad(`Invalid tag "${token.slice(0, 70)}": a tag is 1–64 letters, digits or underscores`);
    if (!q.tags.includes(tag.data)) q.tags.push(tag.data);
    if (q.tags.length > MAX_TAGS) throw bad(`At most ${MAX_TAGS} tags`);
    return true;
  }
  const colon = token.indexOf(":");
  if (colon <= 0) return false;
  const op = token.slice(0, colon).toLowerCase();
  const value = token.slice(colon + 1);
  if (op !== "from" && op !== "type") return false;
  if (op === "from") {
    const name = usernameSchema.safeParse(value.replace(/^@/, ""));
    if (!name.success) throw bad(`Invalid from:${value.slice(0, 40)}: a username is 3–30 letters, digits or underscores`);
    if (q.from !== null && q.from.toLowerCase() !== name.data.toLowerCase()) throw bad("At most one from: term");
    q.from = name.data;
    return true;
  }
  const type = postTypeSchema.safeParse(value.toLowerCase());
  if (!type.success) throw bad(`Invalid type:${value.slice(0, 40)}: one of ${POST_TYPES.join(", ")}`);
  if (q.type !== null && q.type !== type.data) throw bad("At most one type: term");
  q.type = type.data;
  return true;
}

/** The query string → its terms. Throws BAD_REQUEST (field `query`) for malformed or empty queries. */
export function parseSearchQuery(query: string): ParsedQuery {
  const q: ParsedQuery = { words: [], phrases: [], tags: [], from: null, type: null };
  const quotes = (query.match(/"/g) ?? []).length;
  if (quotes % 2 === 1) throw bad("Unbalanced quote: close the phrase with \"");
  // Phrases first (their words are not operators: "#1 fan" is a phrase), then the remaining tokens.
  const rest = query.replace(/"([^"]*)"/g, (_, phrase: string) => {
    const text = phrase.trim().replace(/\s+/g, " ");
    if (MEANINGFUL.test(text)) q.phrases.push(text);
    return " ";
  });
  if (q.phrases.length > MAX_PHRASES) throw bad(`At most ${MAX_PHRASES} phrases`);
  for (const token of rest.split(/\s+/).filter(Boolean)) {
    if (operatorTerm(token, q)) continue;
    if (MEANINGFUL.test(token)) q.words.push(token);
  }
  if (q.words.length > MAX_WORDS) throw bad(`At most ${MAX_WORDS} words`);
  if (!q.words.length && !q.phrases.length && !q.tags.length && q.from === null && q.type === null) {
    throw bad("The query has nothing to search for: words, \"a phrase\", #tag, from:username or type:<post type>");
  }
  if (!q.words.length && !q.phrases.length && !q.tags.length && q.from === null) {
    // type: alone would be every post of a type: that is a timeline (feed.discover), not a search.
    throw bad("type: needs words, a phrase, a #tag or from:username with it");
  }
  return q;
}
