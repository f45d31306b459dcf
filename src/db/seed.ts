// The development seed (`bun run db:seed`): the spec's "Seed Data Distribution" — 20 accounts
// (popular, regular, new, suspended), 104 posts of every type, a power-law follow graph with
// mutual follows, likes, bookmarks, nested comments, reposts, custom feeds, profile sections,
// lists, conversations and notifications, with the storage spread of the spec — in real media
// files (~260 MB) written to the media store, each one what media.confirmUpload accepts, with the
// uploads that would have brought them (see "Media files" below).
//
// Deterministic: every choice comes from a seeded PRNG (mulberry32) and every timestamp is an
// offset from "now", so two runs produce the same rows and the same bytes (ids and absolute times
// aside; the accounts keep their ids across runs, so object keys and URLs stay the same).
// Re-runnable: the previous seed accounts (email domain @seed.vrss.local) are deleted first, their
// content goes with them by ON DELETE CASCADE, and the new data is written in the same transaction;
// objects under the accounts' prefixes that the new seed does not name are deleted after it commits.
// Counters, friendships and storage_usage are never written here: the triggers derive them.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import type postgres from "postgres";
import sharp from "sharp";
import type { MediaStore } from "../lib/s3";
import { hashPassword } from "../modules/auth/password";
import { inspectAudioVideo, inspectImage, SNIFF_BYTES, sniffMime } from "../modules/media/media.inspect";
import { durationProblem, MIME_RULES, objectKey, thumbnailKey, wholeSeconds, type MediaKind } from "../modules/media/media.rules";
import { algorithmConfigSchema, type AlgorithmConfig } from "../modules/feed/feed.schema";
import { extractMentions, extractTags, renderContentHtml } from "../modules/post/post.render";
import type { PostType } from "../modules/post/post.schema";
import { parseSectionConfig, type SectionType } from "../modules/section/section.schema";
import { updateBackgroundInput, updateMusicInput, updateStyleInput } from "../modules/user/user.schema";
import { seedPeerFeatures } from "./seed-peers";

export const SEED_EMAIL_DOMAIN = "seed.vrss.local";
export const SEED_PASSWORD = "Passw0rd!";
const SEED = 0x5eed_2024;
const LOCK_KEY = 7_236_111_043; // serializes concurrent seed runs (dev start + CLI)
const MiB = 1024 * 1024;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_TAGS = 30;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

class Rng {
  private readonly next: () => number;
  /** One independent stream per part of the seed, so changing one part does not reshuffle the others. */
  constructor(stream: string) {
    this.next = mulberry32(SEED ^ hashString(stream));
  }
  float(min = 0, max = 1): number {
    return min + (max - min) * this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, k));
  }
  /** k distinct items, each draw proportional to its weight. */
  weightedSample<T>(items: readonly T[], weight: (item: T) => number, k: number): T[] {
    const pool = items.filter((i) => weight(i) > 0);
    const out: T[] = [];
    while (out.length < k && pool.length) {
      const total = pool.reduce((s, i) => s + weight(i), 0);
      let r = this.next() * total;
      let idx = 0;
      for (; idx < pool.length - 1; idx++) {
        r -= weight(pool[idx]!);
        if (r < 0) break;
      }
      out.push(pool.splice(idx, 1)[0]!);
    }
    return out;
  }
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16)).join("");
    const variant = "89ab"[Math.floor(this.next() * 4)]!;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The accounts

type Role = "popular" | "regular" | "new";
type Tier = "heavy" | "moderate" | "minimal";
type Visibility = "public" | "followers" | "private";

interface UserSpec {
  username: string;
  displayName: string;
  bio: string | null;
  location: string | null;
  age: number | null;
  role: Role;
  suspended?: boolean;
  tier: Tier;
  visibility: Visibility;
  /** Tags this account posts about (first ones most often). */
  tags: string[];
  topic: string;
  /** Post types this account favours; song and album only go to accounts that list them. */
  likes?: PostType[];
  posts: number;
  colors: [primary: string, secondary: string, accent: string, background: string];
  font: string;
  music?: boolean;
  backgroundImage?: boolean;
}

const USERS: UserSpec[] = [
  // popular: 63 of the 104 posts
  { username: "maya_chen", likes: ["image", "image_gallery", "video_short"], displayName: "Maya Chen", bio: "Street & travel photographer. Chasing light from Lisbon to Hanoi.", location: "Lisbon, Portugal", age: 31, role: "popular", tier: "heavy", visibility: "public", tags: ["photography", "streetphotography", "travel", "goldenhour"], topic: "street photography", posts: 13, colors: ["#e76f51", "#264653", "#f4a261", "#fdf6ec"], font: "Playfair Display", backgroundImage: true },
  { username: "leo_martins", likes: ["video_short", "video_long", "image"], displayName: "Leo Martins", bio: "Indie filmmaker. Short films, long takes, too much coffee.", location: "São Paulo, Brazil", age: 36, role: "popular", tier: "heavy", visibility: "public", tags: ["film", "filmmaking", "cinematography", "shortfilm"], topic: "filmmaking", posts: 13, colors: ["#111827", "#374151", "#f59e0b", "#0b0f19"], font: "Inter", music: true },
  { username: "priya_raman", likes: ["song", "album", "video_short"], displayName: "Priya Raman", bio: "Synths, strings and late-night sessions. New EP out now.", location: "London, UK", age: 28, role: "popular", tier: "moderate", visibility: "public", tags: ["music", "newmusic", "synth", "producer"], topic: "music production", posts: 13, colors: ["#7c3aed", "#1e1b4b", "#f472b6", "#0f0a1f"], font: "Space Grotesk", music: true, backgroundImage: true },
  { username: "sam_okafor", likes: ["text_long", "text_short"], displayName: "Sam Okafor", bio: "Writing about the web, databases and the craft of software.", location: "Lagos, Nigeria", age: 34, role: "popular", tier: "moderate", visibility: "public", tags: ["tech", "programming", "postgres", "webdev"], topic: "software engineering", posts: 12, colors: ["#0ea5e9", "#0f172a", "#22c55e", "#f8fafc"], font: "JetBrains Mono" },
  { username: "nora_lindqvist", likes: ["image", "image_gallery", "gif"], displayName: "Nora Lindqvist", bio: "Illustrator & picture-book maker. Ink, gouache and too many cats.", location: "Stockholm, Sweden", age: 29, role: "popular", tier: "moderate", visibility: "public", tags: ["illustration", "art", "sketch", "gouache"], topic: "illustration", posts: 12, colors: ["#2a9d8f", "#e9c46a", "#e76f51", "#fffaf0"], font: "Nunito" },
  // regular: 25 posts from the seven with moderate storage, 9 from the three light ones
  { username: "jonas_weber", likes: ["image", "text_short"], displayName: "Jonas Weber", bio: "Trail runner, amateur baker, weekend hiker.", location: "Munich, Germany", age: 41, role: "regular", tier: "moderate", visibility: "public", tags: ["running", "hiking", "outdoors", "baking"], topic: "trail running", posts: 4, colors: ["#15803d", "#14532d", "#facc15", "#f0fdf4"], font: "Inter" },
  { username: "amara_diallo", likes: ["song", "album", "video_short"], displayName: "Amara Diallo", bio: "Vocalist. Jazz on weekdays, soul on weekends.", location: "Dakar, Senegal", age: 27, role: "regular", tier: "moderate", visibility: "public", tags: ["jazz", "music", "soul", "vocals"], topic: "jazz singing", posts: 4, colors: ["#b45309", "#451a03", "#fde68a", "#1c1917"], font: "Lora", music: true },
  { username: "kenji_ito", likes: ["image", "image_gallery"], displayName: "Kenji Ito", bio: "Skateboarding, film cameras and ramen reviews.", location: "Osaka, Japan", age: 24, role: "regular", tier: "moderate", visibility: "public", tags: ["filmphotography", "skateboarding", "ramen", "photography"], topic: "film photography", posts: 4, colors: ["#dc2626", "#18181b", "#fafafa", "#fef2f2"], font: "Inter" },
  { username: "lucia_ferrari", likes: ["image", "text_long"], displayName: "Lucia Ferrari", bio: "Home cook sharing recipes from my nonna's notebook.", location: "Bologna, Italy", age: 38, role: "regular", tier: "moderate", visibility: "public", tags: ["food", "recipes", "cooking", "pasta"], topic: "cooking", posts: 4, colors: ["#16a34a", "#b91c1c", "#fef3c7", "#fffbeb"], font: "Merriweather" },
  { username: "omar_haddad", likes: ["gif", "video_short"], displayName: "Omar Haddad", bio: "Game developer. Pixel art and procedural worlds.", location: "Amman, Jordan", age: 30, role: "regular", tier: "moderate", visibility: "public", tags: ["gamedev", "pixelart", "indiegames", "programming"], topic: "game development", posts: 3, colors: ["#8b5cf6", "#020617", "#34d399", "#0b1020"], font: "Press Start 2P" },
  { username: "chloe_dubois", likes: ["video_short"], displayName: "Chloé Dubois", bio: "Dancer & choreographer based in Paris.", location: "Paris, France", age: 26, role: "regular", tier: "moderate", visibility: "public", tags: ["dance", "choreography", "movement", "paris"], topic: "dance", posts: 3, colors: ["#db2777", "#500724", "#fbcfe8", "#fff1f2"], font: "Poppins" },
  { username: "diego_alvarez", likes: ["video_short", "image"], displayName: "Diego Álvarez", bio: "Surfer, drone pilot, ocean nerd.", location: "Lima, Peru", age: 33, role: "regular", tier: "moderate", visibility: "public", tags: ["surf", "drone", "ocean", "travel"], topic: "surfing", posts: 3, colors: ["#0284c7", "#082f49", "#fde047", "#ecfeff"], font: "Inter" },
  { username: "hannah_kim", likes: ["text_long", "text_short"], displayName: "Hannah Kim", bio: "Reading 52 books a year. Currently: sci-fi.", location: "Seoul, South Korea", age: 23, role: "regular", tier: "minimal", visibility: "followers", tags: ["books", "reading", "scifi", "bookclub"], topic: "reading", posts: 3, colors: ["#a16207", "#422006", "#fef08a", "#fefce8"], font: "Georgia" },
  { username: "tariq_aziz", likes: ["image", "text_short"], displayName: "Tariq Aziz", bio: "Urban gardener growing tomatoes on a tiny balcony.", location: "Karachi, Pakistan", age: 45, role: "regular", tier: "minimal", visibility: "followers", tags: ["gardening", "plants", "urbangarden", "sustainability"], topic: "balcony gardening", posts: 3, colors: ["#65a30d", "#1a2e05", "#fcd34d", "#f7fee7"], font: "Inter" },
  { username: "elena_petrova", likes: ["text_short", "text_long"], displayName: "Elena Petrova", bio: "Chess coach. Puzzles daily.", location: "Sofia, Bulgaria", age: 52, role: "regular", tier: "minimal", visibility: "private", tags: ["chess", "puzzles", "strategy", "teaching"], topic: "chess", posts: 3, colors: ["#404040", "#0a0a0a", "#eab308", "#fafafa"], font: "Inter" },
  // regular accounts suspended by moderation (spam)
  { username: "deals4u_daily", displayName: "Deals 4U", bio: "Best deals every day!!! DM for promo codes", location: null, age: null, role: "regular", suspended: true, tier: "minimal", visibility: "public", tags: ["deals", "promo", "giveaway"], topic: "deals", posts: 2, colors: ["#ff0000", "#ffff00", "#00ff00", "#ffffff"], font: "Impact" },
  { username: "crypto_moon_tips", displayName: "Crypto Moon Tips", bio: "100x signals. Not financial advice.", location: null, age: null, role: "regular", suspended: true, tier: "minimal", visibility: "public", tags: ["crypto", "signals", "moon"], topic: "crypto", posts: 2, colors: ["#f59e0b", "#000000", "#22c55e", "#111111"], font: "Inter" },
  // new accounts: 0–3 posts, 0–2 followers
  { username: "finn_obrien", displayName: "Finn O'Brien", bio: "Just moved here. Hi!", location: "Dublin, Ireland", age: 22, role: "new", tier: "minimal", visibility: "public", tags: ["hello", "firstpost", "coffee"], topic: "coffee", posts: 2, colors: ["#2563eb", "#1e3a8a", "#93c5fd", "#eff6ff"], font: "Inter" },
  { username: "ruby_tan", displayName: "Ruby Tan", bio: "Design student. Still figuring this out.", location: "Singapore", age: 20, role: "new", tier: "minimal", visibility: "public", tags: ["design", "typography", "student"], topic: "design", posts: 1, colors: ["#e11d48", "#881337", "#fda4af", "#fff1f2"], font: "Work Sans" },
  { username: "mateo_silva", displayName: "Mateo Silva", bio: null, location: null, age: null, role: "new", tier: "minimal", visibility: "public", tags: ["hello"], topic: "life", posts: 0, colors: ["#475569", "#0f172a", "#94a3b8", "#f8fafc"], font: "Inter" },
];

/** Who the seed accounts are (the test and the report read it). */
export const SEED_ACCOUNTS: readonly { username: string; role: Role; suspended: boolean; tier: Tier; visibility: Visibility }[] = USERS.map(
  (u) => ({ username: u.username, role: u.role, suspended: Boolean(u.suspended), tier: u.tier, visibility: u.visibility }),
);

const U = new Map(USERS.map((u, i) => [u.username, i]));
const ui = (username: string): number => {
  const i = U.get(username);
  if (i === undefined) throw new Error(`seed: unknown user ${username}`);
  return i;
};
const isActive = (i: number) => !USERS[i]!.suspended;
const emailOf = (u: UserSpec) => `${u.username.toLowerCase()}@${SEED_EMAIL_DOMAIN}`;

/** The exact post mix of the spec (plus a few GIFs). */
export const SEED_POST_MIX: Record<PostType, number> = {
  text_short: 20, text_long: 20, image: 20, image_gallery: 10, gif: 4, video_short: 15, video_long: 5, song: 5, album: 5,
};

// ---------------------------------------------------------------------------------------------
// The plan: every row, by index, before any id exists

/** What a seeded file is made of (see "Media files" below). */
type MediaSource =
  | { type: "picture"; design: number; format: PictureFormat }
  | { type: "animation"; design: number }
  | { type: "clip"; clip: ClipName }
  | { type: "tune"; seconds: number };
interface MediaPlan {
  kind: MediaKind;
  /** The object's name: users/{userId}/posts/{id}.{ext}. */
  id: string;
  ext: string;
  mime: string;
  source: MediaSource;
  weight: number;
  /** Bytes of the stored object (sizeMedia). */
  size: number;
  /** What the server reads from the file (filled when the file is made). */
  width: number | null;
  height: number | null;
  duration: number | null;
  thumbnail: Uint8Array | null;
}
interface PostPlan {
  author: number;
  type: PostType;
  status: "published" | "draft" | "scheduled";
  title: string | null;
  content: string | null;
  createdAt: number;
  publishedAt: number | null;
  scheduledFor: number | null;
  media: MediaPlan[];
  views: number;
}
interface CommentPlan {
  post: number;
  author: number;
  parent: number | null;
  depth: number;
  content: string;
  at: number;
}
interface ConversationPlan {
  members: number[];
  messages: { sender: number; content: string; at: number; readBy: number[] }[];
}
interface Plan {
  userCreatedAt: number[];
  lastLoginAt: number[];
  posts: PostPlan[];
  follows: { from: number; to: number; at: number }[];
  likes: { user: number; post: number; at: number }[];
  bookmarks: { user: number; post: number; at: number }[];
  comments: CommentPlan[];
  reposts: { user: number; post: number; comment: string | null; at: number }[];
  conversations: ConversationPlan[];
}

const T_SHORT: ((c: Ctx) => string)[] = [
  (c) => `Good ${c.topic} day today. #${c.t0}`,
  (c) => `Three hours in and finally happy with this one. #${c.t0} #${c.t1}`,
  (c) => `Hot take: the best ${c.topic} happens when you stop planning it. #${c.t0}`,
  (c) => `Anyone else up way too late working on ${c.topic} stuff? #${c.t1}`,
  (c) => `Tiny win today: finished something I started in March. #${c.t0} #${c.t1}`,
  (c) => `Coffee, rain and a fresh notebook. Perfect ${c.topic} weather. #${c.t0}`,
  (c) => `What's one ${c.topic} habit you wish you'd started earlier? #${c.t0}`,
  (c) => `Back from a long weekend offline. Missed you all. #${c.t1}`,
  (c) => `New week, new experiments. Keeping notes this time. #${c.t0}`,
  (c) => `If you're getting into ${c.topic}: start small, stay curious. #${c.t0} #${c.t1}`,
];
const T_LONG_TITLES: ((c: Ctx) => string)[] = [
  (c) => `What a year of ${c.topic} taught me`,
  (c) => `A beginner's guide to ${c.topic}`,
  (c) => `Notes from this week's ${c.topic} sessions`,
  (c) => `Why I stopped chasing perfect ${c.topic}`,
  (c) => `My ${c.topic} setup, explained`,
  (c) => `Five mistakes I made with ${c.topic}`,
];
const T_LONG_PARAS: ((c: Ctx) => string)[] = [
  (c) => `I've been thinking a lot about ${c.topic} lately. Not the highlight reel, but the boring, repetitive part that nobody posts about: showing up on the days when nothing works and doing it anyway.`,
  (c) => `When I started, I bought every piece of gear I could afford and read every forum thread. None of that mattered as much as simply putting in the hours. The tools help, but they are not the point.`,
  (c) => `The biggest shift came when I began keeping a small log: what I tried, what failed, what surprised me. Looking back over a few months of notes shows patterns you never notice day to day.`,
  (c) => `Community made the difference too. Sharing unfinished work here felt scary at first, but the feedback has been kind and specific, and it pushed my ${c.topic} further than I would have on my own.`,
  (c) => `If I had to give one piece of advice, it would be this: pick one small thing, do it every day for a month, and only then decide whether it is working. Consistency beats intensity.`,
  (c) => `There is still so much I want to learn. Next up I want to slow down, go deeper on fundamentals and maybe teach a small workshop. If that sounds interesting, let me know in the comments.`,
  (c) => `A lot of people ask how I find time. Honestly, I don't; I take it from other things. Fewer evenings scrolling, more evenings doing. It is a trade, and for me it has been worth it.`,
];
const T_IMAGE: ((c: Ctx) => string)[] = [
  (c) => `Morning light, no filter. #${c.t0}`,
  (c) => `From the archive. #${c.t0} #${c.t1}`,
  (c) => `This one took forever to get right. #${c.t0}`,
  (c) => `Saturday mood. #${c.t1}`,
  (c) => `Found this on a walk today. #${c.t0}`,
  (c) => `Work in progress, feedback welcome. #${c.t0} #${c.t1}`,
];
const T_GALLERY_TITLES = ["Weekend dump", "A week in frames", "Scenes from the road", "Studio days", "Little moments", "Sketchbook pages"];
const T_GALLERY: ((c: Ctx) => string)[] = [
  (c) => `A few favourites from the weekend. #${c.t0} #${c.t1}`,
  (c) => `Swipe for the before and after. #${c.t0}`,
  (c) => `Couldn't pick just one. #${c.t1}`,
];
const T_GIF: ((c: Ctx) => string)[] = [
  (c) => `me when the ${c.topic} finally works #${c.t0} #reaction`,
  (c) => `Monday energy. #mood`,
  (c) => `Accurate. #${c.t0}`,
];
const T_VIDEO_SHORT: ((c: Ctx) => string)[] = [
  (c) => `60 seconds of ${c.topic}. Sound on! #${c.t0}`,
  (c) => `Quick behind-the-scenes. #${c.t0} #bts`,
  (c) => `Tried something new today, how did it turn out? #${c.t1}`,
  (c) => `A tiny timelapse. #${c.t0} #timelapse`,
];
const T_VIDEO_LONG_TITLES: ((c: Ctx) => string)[] = [
  (c) => `Full ${c.topic} session (uncut)`,
  (c) => `Making of: a month of ${c.topic}`,
  () => `Documentary: the people behind the scenes`,
  (c) => `Q&A: your ${c.topic} questions answered`,
];
const SONG_TITLES = ["Midnight Static", "Paper Lanterns", "Slow Orbit", "Harbour Lights", "Kinder Weather", "Blue Hour"];
const ALBUM_TITLES = ["Low Tide EP", "Signals", "Field Recordings Vol. 2", "Night Shift", "Small Hours", "Tape Loops"];
const MENTION_SUFFIX: ((m: string) => string)[] = [
  (m) => ` Thanks @${m} for the push!`,
  (m) => ` cc @${m}`,
  (m) => ` (@${m} you'll like this)`,
];
const COMMENTS = [
  "This is gorgeous 😍", "Love the colours here.", "How long did this take you?", "Saving this for later!",
  "Incredible work, as always.", "The composition on this is 🔥", "Can't stop looking at this.", "Where was this taken?",
  "Okay this made my day.", "Big fan of this direction.", "Teach me your ways 🙏", "This deserves way more attention.",
  "So good. What gear do you use?", "The vibe is immaculate.", "Adding this to my inspiration board.",
  "You keep raising the bar.", "Wow. Just wow.", "This is exactly what I needed today.", "Clean. Really clean.", "Haha, relatable.",
];
const REPLIES = [
  "Thank you so much! 🙏", "Appreciate it!", "Right?! I was so happy with it.", "Took about a week, honestly.",
  "Haha thank you 😄", "Agreed, 100%.", "Same here!", "Good question, I'll do a write-up.", "You're too kind.", "Let's collab soon!",
];
const REPOST_COMMENTS = [
  "Everyone needs to see this.", "This! 👆", "Couldn't agree more.", "Bookmarking forever.", "Quality content right here.",
  "Still thinking about this one.",
];
const MESSAGES = [
  "Hey! How's it going?", "Did you see the new post?", "Loved your last upload!", "Are we still on for Saturday?",
  "Yes! 2pm works.", "Can you send me the file?", "Sent 👍", "Haha that's amazing", "Let me check and get back to you.",
  "Coffee next week?", "Totally, Tuesday?", "Thanks again for the help yesterday.", "No worries at all!",
  "What are you working on these days?", "A new series, can't wait to share it.", "Sounds great.", "On my way!",
  "Running 10 min late, sorry!", "I'll bring the camera.", "Good night! 🌙",
];
const SPAM = [
  "🔥 70% OFF everything today only!!! Link in bio #deals #promo",
  "FREE giveaway 🎁 follow + like + share to win!!! #giveaway",
  "This coin is going to 100x this week 🚀🚀 #crypto #moon",
  "Signals group open for 24h only. DM me. #signals",
];

interface Ctx {
  t0: string;
  t1: string;
  topic: string;
}

function ctxFor(rng: Rng, u: UserSpec): Ctx {
  const [t0, t1] = rng.sample(u.tags, 2);
  return { t0: t0!, t1: t1 ?? t0!, topic: u.topic };
}

/** Which post types each account may be given (light accounts: text and small images only). */
function allowedTypes(i: number): readonly PostType[] {
  const u = USERS[i]!;
  if (u.suspended) return ["text_short", "text_long", "image"];
  if (u.role === "new") return ["text_short", "image", "gif"];
  if (u.tier === "minimal") return ["text_short", "text_long", "image", "gif"];
  return (Object.keys(SEED_POST_MIX) as PostType[]).filter((t) => (t !== "song" && t !== "album") || u.likes?.includes(t));
}

/** Post types per author: a few pinned (so every heavy/moderate account has big media), the rest dealt out. */
function assignPostTypes(rng: Rng): { author: number; type: PostType }[] {
  const pinned: [string, PostType][] = [
    ["leo_martins", "video_long"], ["leo_martins", "video_long"], ["maya_chen", "video_long"], ["maya_chen", "video_long"],
    ["sam_okafor", "video_long"],
    ["leo_martins", "video_short"], ["leo_martins", "video_short"], ["leo_martins", "video_short"], ["maya_chen", "video_short"],
    ["jonas_weber", "video_short"], ["amara_diallo", "video_short"], ["kenji_ito", "video_short"], ["lucia_ferrari", "video_short"],
    ["omar_haddad", "video_short"], ["chloe_dubois", "video_short"], ["diego_alvarez", "video_short"],
    ["priya_raman", "song"], ["priya_raman", "song"], ["priya_raman", "album"], ["priya_raman", "album"], ["amara_diallo", "song"],
    ["nora_lindqvist", "image_gallery"], ["nora_lindqvist", "image_gallery"], ["maya_chen", "image_gallery"],
    ["deals4u_daily", "text_short"], ["deals4u_daily", "image"], ["crypto_moon_tips", "text_short"], ["crypto_moon_tips", "text_short"],
    ["finn_obrien", "text_short"], ["finn_obrien", "image"], ["ruby_tan", "image"],
  ];
  const capacity = USERS.map((u) => u.posts);
  const remaining = { ...SEED_POST_MIX };
  const out: { author: number; type: PostType }[] = [];
  for (const [name, type] of pinned) {
    const i = ui(name);
    capacity[i]!--;
    remaining[type]--;
    out.push({ author: i, type });
  }
  // Most restrictive types first, text last: text fits everyone, so the deal never dead-ends.
  const order: PostType[] = ["video_long", "video_short", "album", "song", "image_gallery", "gif", "image", "text_long", "text_short"];
  for (const type of order) {
    for (let n = 0; n < remaining[type]; n++) {
      const eligible = USERS.map((_, i) => i).filter((i) => capacity[i]! > 0 && allowedTypes(i).includes(type));
      if (!eligible.length) throw new Error(`seed: no author left for a ${type} post`);
      const [author] = rng.weightedSample(eligible, (i) => capacity[i]! * (USERS[i]!.likes?.includes(type) ? 4 : 1), 1);
      capacity[author!]!--;
      out.push({ author: author!, type });
    }
  }
  return out;
}

function media(rng: Rng, kind: MediaKind, opts: { long?: boolean } = {}): MediaPlan {
  const id = rng.uuid();
  const item = (mime: string, source: MediaSource, weight: number): MediaPlan => ({
    kind, id, ext: MIME_RULES[mime]!.ext, mime, source, weight, size: 0, width: null, height: null, duration: null, thumbnail: null,
  });
  switch (kind) {
    case "image": {
      const format = rng.pick(["jpeg", "jpeg", "png", "webp"] as const);
      return item(`image/${format}`, { type: "picture", design: rng.int(0, PICTURES.length - 1), format }, rng.float(0.6, 1.6));
    }
    case "gif":
      return item("image/gif", { type: "animation", design: rng.int(0, ANIMATIONS.length - 1) }, rng.float(0.8, 2));
    case "video":
      return opts.long
        ? item("video/mp4", { type: "clip", clip: "long" }, rng.float(16, 24))
        : rng.chance(0.3)
          ? item("video/webm", { type: "clip", clip: "shortWebm" }, rng.float(5, 10))
          : item("video/mp4", { type: "clip", clip: "short" }, rng.float(5, 10));
    case "audio":
      return item("audio/wav", { type: "tune", seconds: rng.int(150, 330) }, rng.float(3, 6));
  }
}

function buildPost(rng: Rng, author: number, type: PostType, mentionable: number[]): Omit<PostPlan, "status" | "createdAt" | "publishedAt" | "scheduledFor" | "views"> {
  const u = USERS[author]!;
  const c = ctxFor(rng, u);
  let title: string | null = null;
  let content: string | null;
  const m: MediaPlan[] = [];
  if (u.suspended && type !== "text_long") {
    content = rng.pick(SPAM);
    if (type === "image") m.push(media(rng, "image"));
    return { author, type, title, content, media: m };
  }
  switch (type) {
    case "text_short":
      content = rng.pick(T_SHORT)(c);
      break;
    case "text_long":
      title = rng.pick(T_LONG_TITLES)(c);
      content = `${rng.sample(T_LONG_PARAS, rng.int(3, 4)).map((p) => p(c)).join("\n\n")}\n\n#${c.t0} #${c.t1} #longread`;
      break;
    case "image":
      content = rng.pick(T_IMAGE)(c);
      m.push(media(rng, "image"));
      break;
    case "image_gallery": {
      title = rng.pick(T_GALLERY_TITLES);
      content = rng.pick(T_GALLERY)(c);
      const n = rng.int(2, 6);
      for (let k = 0; k < n; k++) m.push(media(rng, "image"));
      break;
    }
    case "gif":
      content = rng.pick(T_GIF)(c);
      m.push(media(rng, "gif"));
      break;
    case "video_short":
      content = rng.pick(T_VIDEO_SHORT)(c);
      m.push(media(rng, "video"));
      break;
    case "video_long":
      title = rng.pick(T_VIDEO_LONG_TITLES)(c);
      content = `Grab a drink, this one is long. #${c.t0} #${c.t1}`;
      m.push(media(rng, "video", { long: true }));
      break;
    case "song":
      title = rng.pick(SONG_TITLES);
      content = `New single "${title}" is out now! #newmusic #${c.t0}`;
      m.push(media(rng, "audio"));
      break;
    case "album": {
      title = rng.pick(ALBUM_TITLES);
      const n = rng.int(3, 7);
      content = `The full ${n}-track record "${title}" is here. Thank you for listening! #music #${c.t0}`;
      for (let k = 0; k < n; k++) m.push(media(rng, "audio"));
      break;
    }
  }
  if (rng.chance(0.22)) {
    const others = mentionable.filter((i) => i !== author);
    content += rng.pick(MENTION_SUFFIX)(USERS[rng.pick(others)]!.username);
  }
  return { author, type, title, content, media: m };
}

/**
 * Sizes each account's media so its total lands in its storage tier, in exact bytes: every file gets
 * at least its smallest valid size (`fit.min`: the encoded content and the least filler its format
 * can carry), the rest of the tier is shared by weight. RIFF files (WAV, WebP) are even-sized; the
 * odd byte, if any, goes to a file of another format.
 */
function sizeMedia(posts: PostPlan[], fit: (m: MediaPlan) => { min: number; even: boolean }): void {
  const rng = new Rng("storage");
  USERS.forEach((u, i) => {
    const items = posts.filter((p) => p.author === i).flatMap((p) => p.media);
    if (!items.length) return;
    const tierTarget = Math.round(
      u.tier === "heavy" ? rng.float(44.5, 45.5) * MiB : u.tier === "moderate" ? rng.float(11, 19) * MiB : rng.float(0.4, 4.5) * MiB,
    );
    const target = tierTarget - (tierTarget % 2);
    const fits = items.map(fit);
    const extra = target - fits.reduce((s, f) => s + f.min, 0);
    if (extra < 0) throw new Error(`seed: ${u.username}'s media do not fit the ${u.tier} tier`);
    const totalWeight = items.reduce((s, it) => s + it.weight, 0);
    const lastAnyParity = fits.map((f) => !f.even).lastIndexOf(true);
    const absorber = lastAnyParity >= 0 ? lastAnyParity : items.length - 1; // all even: the remainder is even too
    let used = 0;
    items.forEach((it, k) => {
      if (k === absorber) return;
      const size = fits[k]!.min + Math.floor((extra * it.weight) / totalWeight);
      it.size = fits[k]!.even ? size - (size % 2) : size;
      used += it.size;
    });
    items[absorber]!.size = target - used;
    for (const [k, it] of items.entries()) {
      const max = MIME_RULES[it.mime]!.maxBytes;
      if (it.size < fits[k]!.min || it.size > max || (fits[k]!.even && it.size % 2)) {
        throw new Error(`seed: ${u.username}'s ${it.mime} file cannot be ${it.size} bytes`);
      }
    }
  });
}

function buildPlan(now: number): Plan {
  const rUsers = new Rng("users");
  const userCreatedAt = USERS.map((u) =>
    now - (u.role === "popular" ? rUsers.int(400, 900) : u.role === "new" ? rUsers.int(2, 5) : rUsers.int(90, 500)) * DAY - rUsers.int(0, 23) * HOUR);
  const lastLoginAt = USERS.map((u) => (u.suspended ? now - rUsers.int(10, 30) * DAY : now - rUsers.int(1, 72) * HOUR));

  // --- posts
  const rPosts = new Rng("posts");
  const active = USERS.map((_, i) => i).filter(isActive);
  const slots = rPosts.shuffle(assignPostTypes(rPosts));
  const posts: PostPlan[] = slots.map(({ author, type }) => {
    const p = buildPost(rPosts, author, type, active);
    const from = Math.max(now - 60 * DAY, userCreatedAt[author]! + HOUR);
    const at = Math.round(rPosts.float(from, now - 30 * 60_000));
    return { ...p, status: "published", createdAt: at, publishedAt: at, scheduledFor: null, views: 0 };
  });
  // A few drafts and scheduled posts, from accounts that post a lot.
  const candidates = posts.map((p, k) => k).filter((k) => USERS[posts[k]!.author]!.tier !== "minimal");
  const picked = rPosts.sample(candidates, 6);
  picked.forEach((k, n) => {
    const p = posts[k]!;
    p.createdAt = now - rPosts.int(1, 72) * HOUR;
    p.publishedAt = null;
    if (n < 3) p.status = "draft";
    else {
      p.status = "scheduled";
      p.scheduledFor = now + rPosts.int(6, 7 * 24) * HOUR;
    }
  });
  posts.sort((a, b) => a.createdAt - b.createdAt);

  // --- follows: a power-law-ish graph (popular accounts collect most follows) with mutual pairs
  const rSocial = new Rng("social");
  const followSet = new Set<string>();
  const follows: Plan["follows"] = [];
  const follow = (from: number, to: number) => {
    if (from === to || followSet.has(`${from}>${to}`)) return;
    followSet.add(`${from}>${to}`);
    const since = Math.max(userCreatedAt[from]!, userCreatedAt[to]!);
    follows.push({ from, to, at: Math.round(rSocial.float(since + HOUR, now - HOUR)) });
  };
  const popular = USERS.map((_, i) => i).filter((i) => USERS[i]!.role === "popular");
  const regularActive = USERS.map((_, i) => i).filter((i) => USERS[i]!.role === "regular" && isActive(i));
  const newcomers = USERS.map((_, i) => i).filter((i) => USERS[i]!.role === "new");
  const suspended = USERS.map((_, i) => i).filter((i) => !isActive(i));
  for (const a of popular) for (const b of popular) follow(a, b); // the popular five all follow each other
  const mutuals: [string, string][] = [
    ["maya_chen", "kenji_ito"], ["leo_martins", "diego_alvarez"], ["priya_raman", "amara_diallo"], ["sam_okafor", "omar_haddad"],
    ["nora_lindqvist", "chloe_dubois"], ["jonas_weber", "lucia_ferrari"], ["hannah_kim", "elena_petrova"], ["tariq_aziz", "jonas_weber"],
  ];
  for (const [a, b] of mutuals) {
    follow(ui(a), ui(b));
    follow(ui(b), ui(a));
  }
  for (const r of regularActive) {
    for (const p of popular) if (rSocial.chance(0.8)) follow(r, p);
    for (const o of rSocial.weightedSample(regularActive.filter((x) => x !== r), (x) => (USERS[x]!.tier === "moderate" ? 3 : 1), rSocial.int(1, 3))) follow(r, o);
  }
  for (const p of popular) for (const r of rSocial.sample(regularActive, rSocial.int(1, 3))) follow(p, r);
  for (const n of newcomers) for (const p of rSocial.sample(popular, rSocial.int(2, 4))) follow(n, p);
  for (const s of suspended) for (const p of rSocial.sample(popular, rSocial.int(3, 5))) follow(s, p);
  follow(ui("maya_chen"), ui("finn_obrien"));
  follow(ui("nora_lindqvist"), ui("ruby_tan"));
  follow(ui("finn_obrien"), ui("ruby_tan"));
  follows.sort((a, b) => a.at - b.at);

  const follows_ = (a: number, b: number) => followSet.has(`${a}>${b}`);
  const canSee = (viewer: number, author: number) => {
    if (viewer === author) return true;
    if (!isActive(author)) return false;
    const v = USERS[author]!.visibility;
    return v === "public" || (v === "followers" && follows_(viewer, author));
  };
  const activityWeight = (i: number) => (USERS[i]!.role === "new" ? 0.3 : USERS[i]!.role === "popular" ? 1 : 1.5);
  const published = posts.map((p, k) => k).filter((k) => posts[k]!.status === "published");
  /** A moment after `t` (within `maxSpan`), never in the future. */
  const after = (t: number, maxSpan: number) => {
    const end = Math.min(now - 60_000, t + maxSpan);
    return end <= t ? t + 1_000 : Math.round(rSocial.float(Math.min(t + 60_000, end), end));
  };

  // --- likes and bookmarks
  const likes: Plan["likes"] = [];
  const bookmarks: Plan["bookmarks"] = [];
  for (const k of published) {
    const p = posts[k]!;
    const author = USERS[p.author]!;
    const viewers = active.filter((v) => v !== p.author && canSee(v, p.author));
    const n = author.role === "popular" ? rSocial.int(3, 7) : author.tier === "moderate" ? rSocial.int(1, 4) : rSocial.int(0, 2);
    for (const v of rSocial.weightedSample(viewers, activityWeight, n)) likes.push({ user: v, post: k, at: after(p.publishedAt!, 4 * DAY) });
    if (rSocial.chance(author.role === "popular" ? 0.5 : 0.2)) {
      for (const v of rSocial.sample(viewers, rSocial.int(1, 2))) bookmarks.push({ user: v, post: k, at: after(p.publishedAt!, 10 * DAY) });
    }
  }

  // --- comments, with replies and replies to replies
  const comments: CommentPlan[] = [];
  for (const k of published) {
    const p = posts[k]!;
    const author = USERS[p.author]!;
    const viewers = active.filter((v) => v !== p.author && canSee(v, p.author));
    const n = author.role === "popular" ? rSocial.int(1, 3) : author.tier === "moderate" ? rSocial.int(0, 2) : rSocial.int(0, 1);
    for (const v of rSocial.weightedSample(viewers, activityWeight, n)) {
      const text = rSocial.chance(0.3) ? `@${author.username} ${rSocial.pick(COMMENTS)}` : rSocial.pick(COMMENTS);
      const top = comments.push({ post: k, author: v, parent: null, depth: 0, content: text, at: after(p.publishedAt!, 3 * DAY) }) - 1;
      if (!rSocial.chance(0.4)) continue;
      // Mostly the post's author answers; sometimes someone else joins in.
      const replier = rSocial.chance(0.7) && isActive(p.author) ? p.author : rSocial.pick(viewers.filter((x) => x !== v).concat(p.author));
      const parent = comments[top]!;
      const replyText = rSocial.chance(0.5) ? `@${USERS[v]!.username} ${rSocial.pick(REPLIES)}` : rSocial.pick(REPLIES);
      const reply = comments.push({ post: k, author: replier, parent: top, depth: 1, content: replyText, at: after(parent.at, DAY) }) - 1;
      if (rSocial.chance(0.35)) {
        const r = comments[reply]!;
        comments.push({ post: k, author: v, parent: reply, depth: 2, content: `@${USERS[replier]!.username} ${rSocial.pick(REPLIES)}`, at: after(r.at, DAY) });
      }
    }
  }
  // Chronological order (so ids grow with time); a reply is always later than its parent.
  const order = comments.map((_, k) => k).sort((a, b) => comments[a]!.at - comments[b]!.at || a - b);
  const position = new Map(order.map((old, pos) => [old, pos]));
  const chronological = order.map((old) => {
    const c = comments[old]!;
    return { ...c, parent: c.parent === null ? null : position.get(c.parent)! };
  });

  // --- reposts: popular posts travel, some with a comment
  const reposts: Plan["reposts"] = [];
  const repostSet = new Set<string>();
  const repostable = published.filter((k) => USERS[posts[k]!.author]!.visibility === "public" && isActive(posts[k]!.author));
  const byPopularity = rSocial.weightedSample(repostable, (k) => (USERS[posts[k]!.author]!.role === "popular" ? 4 : 1), 22);
  for (const k of byPopularity) {
    const p = posts[k]!;
    const who = rSocial.weightedSample(active.filter((v) => v !== p.author), activityWeight, rSocial.int(1, 2));
    for (const v of who) {
      if (repostSet.has(`${v}:${k}`)) continue;
      repostSet.add(`${v}:${k}`);
      reposts.push({ user: v, post: k, comment: rSocial.chance(0.4) ? rSocial.pick(REPOST_COMMENTS) : null, at: after(p.publishedAt!, 5 * DAY) });
    }
  }

  // Views: at least everyone who interacted, plus lurkers.
  for (const k of published) {
    const p = posts[k]!;
    p.views = (USERS[p.author]!.role === "popular" ? rSocial.int(120, 900) : rSocial.int(10, 150));
  }

  // --- conversations: seven 1:1, three groups
  const rMsg = new Rng("messages");
  const convMembers: string[][] = [
    ["maya_chen", "leo_martins"], ["maya_chen", "nora_lindqvist"], ["sam_okafor", "jonas_weber"], ["priya_raman", "amara_diallo"],
    ["leo_martins", "kenji_ito"], ["nora_lindqvist", "lucia_ferrari"], ["sam_okafor", "hannah_kim"],
    ["maya_chen", "leo_martins", "priya_raman", "nora_lindqvist"], ["sam_okafor", "jonas_weber", "omar_haddad"],
    ["priya_raman", "amara_diallo", "diego_alvarez", "chloe_dubois"],
  ];
  const conversations: ConversationPlan[] = convMembers.map((names) => {
    const members = names.map(ui);
    const n = rMsg.int(5, 8);
    let at = now - rMsg.int(3, 30) * DAY - rMsg.int(0, 23) * HOUR;
    const messages: ConversationPlan["messages"] = [];
    let sender = members[0]!;
    for (let k = 0; k < n; k++) {
      if (k > 0) {
        sender = members.length === 2 ? members.find((x) => x !== sender)! : rMsg.pick(members.filter((x) => x !== sender));
        at += rMsg.chance(0.7) ? rMsg.int(1, 90) * 60_000 : rMsg.int(3, 48) * HOUR;
      }
      at = Math.min(at, now - (n - k) * 60_000);
      messages.push({ sender, content: rMsg.pick(MESSAGES), at, readBy: [] });
    }
    // Everyone has read all but the last one or two messages; those only their sender (and maybe one more).
    const unread = rMsg.int(0, 2);
    messages.forEach((msg, k) => {
      const fresh = k >= messages.length - unread;
      msg.readBy = fresh ? [msg.sender, ...members.filter((x) => x !== msg.sender && rMsg.chance(0.3))] : [...members];
    });
    return { members, messages };
  });

  return { userCreatedAt, lastLoginAt, posts, follows, likes, bookmarks, comments: chronological, reposts, conversations };
}

// ---------------------------------------------------------------------------------------------
// Media files: real, decodable files in the media store. Pictures and GIFs are drawn here (sharp
// renders text-free SVG patterns), songs are sine melodies written as WAV, videos are the short
// clips in assets/seed (made once with ffmpeg: assets/seed/make.sh). To land each account in its
// storage tier with exact bytes, a file is grown to its planned size with filler its format defines
// and every decoder skips (JPEG COM segments, a private PNG chunk, a RIFF JUNK chunk, a GIF comment,
// an MP4 `free` box, a Matroska Void element); a WAV is simply that much longer. Every file then
// passes what media.confirmUpload checks, and its width, height, duration and thumbnail are what
// confirmUpload would read (the same inspectors).

type PictureFormat = "jpeg" | "png" | "webp";
type ClipName = "short" | "shortWebm" | "long";
type Colours = readonly [string, string, string, string];

/** Picture designs: a size and four colours each; backgrounds use an account's own colours. */
const PICTURES: { width: number; height: number; colours: Colours }[] = [
  { width: 1080, height: 1350, colours: ["#e76f51", "#264653", "#f4a261", "#fdf6ec"] },
  { width: 1080, height: 1080, colours: ["#7c3aed", "#1e1b4b", "#f472b6", "#fde68a"] },
  { width: 1920, height: 1280, colours: ["#0ea5e9", "#0f172a", "#f59e0b", "#fef3c7"] },
  { width: 1280, height: 1920, colours: ["#15803d", "#14532d", "#facc15", "#f0fdf4"] },
  { width: 2048, height: 1365, colours: ["#db2777", "#500724", "#fbcfe8", "#fff1f2"] },
  { width: 1080, height: 1350, colours: ["#2a9d8f", "#e9c46a", "#e76f51", "#fffaf0"] },
];
const ANIMATIONS: { width: number; height: number; frames: number; colours: Colours }[] = [
  { width: 480, height: 270, frames: 12, colours: ["#8b5cf6", "#020617", "#34d399", "#f8fafc"] },
  { width: 400, height: 400, frames: 10, colours: ["#f59e0b", "#111827", "#ef4444", "#fef3c7"] },
];
const CLIPS: Record<ClipName, { file: string; mime: string }> = {
  short: { file: "short.mp4", mime: "video/mp4" },
  shortWebm: { file: "short.webm", mime: "video/webm" },
  long: { file: "long.mp4", mime: "video/mp4" },
};
/** Songs: 8-bit mono PCM at 4–22 kHz; at least 10 s. */
const TUNE_MIN_BYTES = 44 + 40_000;
/** The least filler each grown format can carry, and whether its size must be even (RIFF). */
const FILLER: Record<string, { min: number; even: boolean }> = {
  "image/jpeg": { min: 4, even: false },
  "image/png": { min: 12, even: false },
  "image/webp": { min: 8, even: true },
  "image/gif": { min: 5, even: false },
  "video/mp4": { min: 8, even: false },
  "video/webm": { min: 9, even: false },
};

/** One of six text-free compositions (gradients, circles, bands, tiles, peaks, waves) in four colours. */
function pictureSvg(design: number, w: number, h: number, [a, b, c, d]: Colours): string {
  const m = Math.min(w, h);
  const shapes = [
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient>
      <radialGradient id="r"><stop offset="0" stop-color="${c}" stop-opacity="0.9"/><stop offset="1" stop-color="${c}" stop-opacity="0"/></radialGradient></defs>
     <rect width="${w}" height="${h}" fill="url(#g)"/><circle cx="${w * 0.32}" cy="${h * 0.4}" r="${m * 0.45}" fill="url(#r)"/>
     <circle cx="${w * 0.74}" cy="${h * 0.7}" r="${m * 0.12}" fill="${d}" fill-opacity="0.65"/>`,
    `<defs><radialGradient id="g"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></radialGradient></defs>
     <rect width="${w}" height="${h}" fill="url(#g)"/>` +
      Array.from({ length: 7 }, (_, k) => `<circle cx="${w / 2}" cy="${h / 2}" r="${m * (0.08 + k * 0.065)}" fill="none" stroke="${k % 2 ? c : d}" stroke-width="${m * 0.018}" stroke-opacity="${(0.9 - k * 0.1).toFixed(2)}"/>`).join(""),
    `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${c}"/></linearGradient></defs>
     <rect width="${w}" height="${h}" fill="url(#g)"/><circle cx="${w * 0.62}" cy="${h * 0.55}" r="${m * 0.16}" fill="${d}"/>` +
      [0.62, 0.72, 0.84].map((y, k) => `<path d="M0 ${h * y} Q ${w * 0.3} ${h * (y - 0.12)} ${w * 0.55} ${h * y} T ${w} ${h * (y - 0.04)} V ${h} H 0 Z" fill="${b}" fill-opacity="${0.55 + k * 0.2}"/>`).join(""),
    `<rect width="${w}" height="${h}" fill="${b}"/>` +
      Array.from({ length: 48 }, (_, k) => {
        const col = k % 6, row = Math.floor(k / 6), cw = w / 6, ch = h / 8;
        return `<rect x="${col * cw + cw * 0.08}" y="${row * ch + ch * 0.08}" width="${cw * 0.84}" height="${ch * 0.84}" rx="${m * 0.02}" fill="${[a, c, d][(col + row) % 3]}" fill-opacity="${(0.3 + ((col * 7 + row * 3) % 5) * 0.15).toFixed(2)}"/>`;
      }).join(""),
    `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${d}"/><stop offset="1" stop-color="${a}"/></linearGradient></defs>
     <rect width="${w}" height="${h}" fill="url(#g)"/>
     <polygon points="0,${h} ${w * 0.28},${h * 0.38} ${w * 0.5},${h * 0.7} ${w * 0.72},${h * 0.3} ${w},${h * 0.75} ${w},${h}" fill="${b}" fill-opacity="0.85"/>
     <polygon points="0,${h} ${w * 0.18},${h * 0.66} ${w * 0.42},${h * 0.85} ${w * 0.8},${h * 0.58} ${w},${h * 0.9} ${w},${h}" fill="${c}" fill-opacity="0.8"/>`,
    `<rect width="${w}" height="${h}" fill="${a}"/>` +
      Array.from({ length: 6 }, (_, k) => {
        const y = h * (0.15 + k * 0.15);
        return `<path d="M0 ${y} Q ${w * 0.25} ${y - h * 0.08} ${w * 0.5} ${y} T ${w} ${y} V ${h} H 0 Z" fill="${[b, c, d][k % 3]}" fill-opacity="0.35"/>`;
      }).join(""),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${shapes[design % shapes.length]}</svg>`;
}

async function renderPicture(design: number, format: PictureFormat, size?: { width: number; height: number }, colours?: Colours): Promise<Uint8Array> {
  const d = PICTURES[design % PICTURES.length]!;
  const { width, height } = size ?? d;
  const image = sharp(Buffer.from(pictureSvg(design, width, height, colours ?? d.colours)));
  const encoded = format === "jpeg" ? image.jpeg({ quality: 85 }) : format === "png" ? image.png() : image.webp({ quality: 80, effort: 2 });
  return new Uint8Array(await encoded.toBuffer());
}

/** A looping animated GIF: a ball crossing the frame, or pulsing rings. */
async function renderAnimation(design: number): Promise<Uint8Array> {
  const { width: w, height: h, frames, colours: [a, b, c, d] } = ANIMATIONS[design % ANIMATIONS.length]!;
  const svgs = Array.from({ length: frames }, (_, f) => {
    const t = f / frames;
    const body = design % 2 === 0
      ? `<rect width="${w}" height="${h}" fill="${b}"/><rect y="${h * 0.8}" width="${w}" height="${h * 0.2}" fill="${a}"/>
         <circle cx="${w * (0.1 + 0.8 * t)}" cy="${h * (0.75 - 0.5 * Math.sin(Math.PI * t))}" r="${h * 0.08}" fill="${c}"/>`
      : `<rect width="${w}" height="${h}" fill="${b}"/>` +
        [0, 1, 2].map((k) => `<circle cx="${w / 2}" cy="${h / 2}" r="${(w * (0.1 + 0.13 * k) * (1 + 0.25 * Math.sin(2 * Math.PI * (t + k / 3)))).toFixed(1)}" fill="none" stroke="${[a, c, d][k]}" stroke-width="${w * 0.04}"/>`).join("");
    return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`);
  });
  const pngs = await Promise.all(svgs.map((svg) => sharp(svg).png().toBuffer()));
  return new Uint8Array(await sharp(pngs, { join: { animated: true } }).gif({ delay: 90, loop: 0 }).toBuffer());
}

async function readClip(clip: ClipName): Promise<Uint8Array> {
  return new Uint8Array(await readFile(fileURLToPath(new URL(`../../assets/seed/${CLIPS[clip].file}`, import.meta.url))));
}

/** A sine melody (pentatonic notes with a soft attack and decay) as an 8-bit mono WAV of exactly `size` bytes, about `seconds` long. */
function tune(name: string, size: number, seconds: number): Uint8Array {
  if (size < TUNE_MIN_BYTES || size % 2) throw new Error(`seed: a WAV cannot be ${size} bytes`);
  const dataBytes = size - 44;
  const rate = Math.min(22_050, Math.max(4_000, Math.round(dataBytes / seconds)));
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => { for (let k = 0; k < s.length; k++) out[at + k] = s.charCodeAt(k); };
  ascii(0, "RIFF"); view.setUint32(4, size - 8, true); ascii(8, "WAVE");
  ascii(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate, true); view.setUint16(32, 1, true); view.setUint16(34, 8, true);
  ascii(36, "data"); view.setUint32(40, dataBytes, true);
  const rng = new Rng(`tune:${name}`);
  const notes = [220, 261.63, 293.66, 329.63, 392, 440, 523.25];
  for (let at = 0; at < dataBytes;) {
    const f = rng.pick(notes);
    const len = Math.min(dataBytes - at, Math.round(rate * rng.pick([0.25, 0.25, 0.5, 0.75])));
    for (let n = 0; n < len; n++) {
      const t = n / rate;
      const envelope = Math.min(1, t * 60) * Math.exp(-3 * t);
      const x = 0.8 * Math.sin(2 * Math.PI * f * t) + 0.2 * Math.sin(Math.PI * f * t);
      out[44 + at + n] = 128 + Math.round(100 * envelope * x);
    }
    at += len;
  }
  return out;
}

/** `bytes` grown to exactly `size` bytes with filler of its own format (see FILLER). */
function grow(bytes: Uint8Array, size: number, mime: string): Uint8Array {
  const pad = size - bytes.length;
  if (pad === 0) return bytes;
  const filler = FILLER[mime];
  if (!filler || pad < filler.min || (filler.even && pad % 2)) throw new Error(`seed: cannot grow a ${mime} file by ${pad} bytes`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => { for (let k = 0; k < s.length; k++) out[at + k] = s.charCodeAt(k); };
  switch (mime) {
    case "image/jpeg": {
      // COM segments (FF FE, length, zeros) after SOI and the JFIF APP0 segment.
      const at = bytes[2] === 0xff && bytes[3] === 0xe0 ? 4 + ((bytes[4]! << 8) | bytes[5]!) : 2;
      out.set(bytes.subarray(0, at));
      const count = Math.ceil(pad / 65_537);
      let pos = at;
      for (let k = 0; k < count; k++) {
        const total = Math.floor(pad / count) + (k < pad % count ? 1 : 0);
        out[pos] = 0xff; out[pos + 1] = 0xfe; view.setUint16(pos + 2, total - 2);
        pos += total;
      }
      out.set(bytes.subarray(at), pos);
      return out;
    }
    case "image/png": {
      // A private ancillary chunk ("vrSs": ancillary, private, safe to copy) before IEND.
      const at = bytes.length - 12;
      out.set(bytes.subarray(0, at));
      view.setUint32(at, pad - 12);
      ascii(at + 4, "vrSs");
      view.setUint32(at + 8 + pad - 12, crc32(out.subarray(at + 4, at + 8 + pad - 12)));
      out.set(bytes.subarray(at), at + pad);
      return out;
    }
    case "image/webp": {
      // A JUNK chunk at the end; the RIFF size grows with it.
      out.set(bytes);
      ascii(bytes.length, "JUNK");
      view.setUint32(bytes.length + 4, pad - 8, true);
      view.setUint32(4, size - 8, true);
      return out;
    }
    case "image/gif": {
      // A comment extension (21 FE, sub-blocks of ≤ 255 bytes, 00) before the trailer.
      const at = bytes.length - 1;
      out.set(bytes.subarray(0, at));
      out[at] = 0x21; out[at + 1] = 0xfe;
      const blocks = Math.ceil((pad - 3) / 256);
      const payload = pad - 3 - blocks;
      let pos = at + 2;
      for (let k = 0; k < blocks; k++) {
        const len = Math.floor(payload / blocks) + (k < payload % blocks ? 1 : 0);
        out[pos] = len;
        pos += 1 + len;
      }
      out[pos] = 0x00;
      out[pos + 1] = 0x3b;
      return out;
    }
    case "video/mp4": {
      // A top-level `free` box at the end.
      out.set(bytes);
      view.setUint32(bytes.length, pad);
      ascii(bytes.length + 4, "free");
      return out;
    }
    case "video/webm": {
      // An EBML Void element (ID EC, 8-byte size) at the end.
      out.set(bytes);
      out[bytes.length] = 0xec;
      out[bytes.length + 1] = 0x01;
      const len = pad - 9;
      for (let k = 0; k < 7; k++) out[bytes.length + 8 - k] = Math.floor(len / 256 ** k) % 256;
      return out;
    }
  }
  throw new Error(`seed: no filler for ${mime}`);
}

/** A file as confirmUpload would see it: its bytes' first part, what the server reads, and the thumbnail. */
interface MadeFile {
  bytes: Uint8Array;
  width: number | null;
  height: number | null;
  duration: number | null;
  thumbnail: Uint8Array | null;
}

/** Reads a made file with the upload inspectors; a file they refuse is a bug in the seed. */
async function inspectMade(bytes: Uint8Array, mime: string): Promise<MadeFile> {
  const rule = MIME_RULES[mime];
  if (!rule) throw new Error(`seed: ${mime} is not an allowed upload type`);
  if (rule.kind === "image" || rule.kind === "gif") {
    const facts = await inspectImage(bytes);
    if (!facts) throw new Error(`seed: sharp cannot decode a seeded ${mime}`);
    return { bytes, width: facts.width, height: facts.height, duration: null, thumbnail: facts.thumbnail };
  }
  const facts = await inspectAudioVideo(bytes, rule.kind, mime);
  if (!facts) throw new Error(`seed: a seeded ${mime} cannot be read`);
  return { bytes, width: facts.width, height: facts.height, duration: wholeSeconds(facts.duration), thumbnail: null };
}

/** What confirmUpload checks of the stored object: type, magic bytes, size, length for the post type. */
async function checkLikeConfirm(bytes: Uint8Array, m: { kind: MediaKind; mime: string; duration: number | null }, postType?: PostType): Promise<void> {
  const rule = MIME_RULES[m.mime];
  if (!rule || rule.kind !== m.kind) throw new Error(`seed: ${m.mime} is not ${m.kind} media`);
  if (bytes.length > rule.maxBytes) throw new Error(`seed: a ${m.mime} file of ${bytes.length} bytes is over the limit`);
  const sniffed = await sniffMime(bytes.subarray(0, SNIFF_BYTES));
  if (!sniffed || !rule.sniffedAs.includes(sniffed)) throw new Error(`seed: a seeded ${m.mime} file sniffs as ${sniffed}`);
  const problem = durationProblem(m.kind, m.duration, postType);
  if (problem) throw new Error(`seed: ${problem.message}`);
}

/** Files made once and grown per use: pictures (per format), animations, clips; songs are made per file. */
const sourceKey = (s: MediaSource): string | null =>
  s.type === "picture" ? `picture:${s.design}:${s.format}` : s.type === "animation" ? `animation:${s.design}` : s.type === "clip" ? `clip:${s.clip}` : null;

/** The distinct sources the plan uses, made and inspected once each. */
async function makeSources(posts: PostPlan[]): Promise<Map<string, MadeFile>> {
  const wanted = new Map<string, MediaPlan>();
  for (const m of posts.flatMap((p) => p.media)) {
    const key = sourceKey(m.source);
    if (key && !wanted.has(key)) wanted.set(key, m);
  }
  const made = new Map<string, MadeFile>();
  await mapLimit([...wanted], 2, async ([key, m]) => {
    const s = m.source;
    const bytes = s.type === "picture" ? await renderPicture(s.design, s.format) : s.type === "animation" ? await renderAnimation(s.design) : await readClip((s as { clip: ClipName }).clip);
    made.set(key, await inspectMade(bytes, m.mime));
  });
  return made;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

// ---------------------------------------------------------------------------------------------
// Writing

type Tx = postgres.TransactionSql;
type Row = Record<string, string | number | boolean | null>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
/** A bigint[] parameter as its text literal (ids are digit strings), cast in SQL. */
const bigintArray = (ids: readonly string[]) => `{${ids.join(",")}}`;

/** `n` fresh ids from the table's own sequence, ascending, so rows can reference each other before insert. */
async function allocateIds(tx: Tx, table: string, n: number): Promise<string[]> {
  if (n === 0) return [];
  const rows = await tx<{ id: string }[]>`
    SELECT nextval(pg_get_serial_sequence(${table}, 'id'))::text AS id FROM generate_series(1, ${n})`;
  return rows.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

async function insertRows(tx: Tx, table: string, rows: Row[], chunk = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const columns = Object.keys(part[0]!);
    await tx`INSERT INTO ${tx(table)} ${tx(part, columns)}`;
  }
}

export interface SeedLogin {
  username: string;
  email: string;
  password: string;
  note: string;
}

export interface SeedReport {
  users: { total: number; popular: number; regular: number; new: number; suspended: number; byVisibility: Record<string, number> };
  posts: { total: number; byType: Record<string, number>; byStatus: Record<string, number>; fromPopular: number; media: number; tags: number; mentions: number };
  follows: number;
  friendships: number;
  likes: number;
  bookmarks: number;
  comments: number;
  replies: number;
  reposts: number;
  repostsWithComment: number;
  feeds: number;
  feedFilters: number;
  sections: number;
  sectionItems: number;
  lists: number;
  listMembers: number;
  conversations: number;
  messages: number;
  notifications: number;
  storage: {
    nearQuota: number;
    moderate: number;
    minimal: number;
    other: number;
    overQuota: number;
    perUser: { username: string; usedBytes: number; quotaBytes: number }[];
  };
  removedPreviousAccounts: number;
  /** Objects written to the media store (files and thumbnails). */
  storedObjects: number;
  logins: SeedLogin[];
  durationMs: number;
}

/** True when no account exists yet (or the schema is not there): the dev server may seed it. */
export async function isEmptyDatabase(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ exists: boolean }[]>`SELECT to_regclass('public.users') IS NOT NULL AS exists`;
  if (!row?.exists) return true;
  const [any] = await sql<{ found: boolean }[]>`SELECT EXISTS (SELECT 1 FROM users) AS found`;
  return !any?.found;
}

/**
 * Writes the seed into `sql` and its media files into `media` (the store the server uses: the
 * rows hold `media.publicUrl(key)`). Objects are written before the rows that name them; after
 * commit, objects under the seed accounts' prefixes that the new seed does not name are deleted.
 */
export async function seedDatabase(sql: postgres.Sql, opts: { media: MediaStore; log?: (msg: string) => void }): Promise<SeedReport> {
  const { media } = opts;
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const passwordHash = await hashPassword(SEED_PASSWORD); // once, reused by every account
  const now = Date.now();
  const plan = buildPlan(now);
  const sources = await makeSources(plan.posts);
  sizeMedia(plan.posts, (m) => {
    if (m.source.type === "tune") return { min: TUNE_MIN_BYTES, even: true };
    return { min: sources.get(sourceKey(m.source)!)!.bytes.length + FILLER[m.mime]!.min, even: FILLER[m.mime]!.even };
  });
  for (const m of plan.posts.flatMap((p) => p.media)) {
    const source = m.source.type === "tune" ? null : sources.get(sourceKey(m.source)!)!;
    if (source) Object.assign(m, { width: source.width, height: source.height, duration: source.duration, thumbnail: source.thumbnail });
  }
  const written = new Set<string>();
  /** Checks a file as confirmUpload would, then stores it (and its thumbnail). */
  const store = async (key: string, bytes: Uint8Array, m: { kind: MediaKind; mime: string; duration: number | null; thumbnail: Uint8Array | null }, postType?: PostType) => {
    await checkLikeConfirm(bytes, m, postType);
    await media.put(key, bytes, m.mime);
    written.add(key);
    if (m.thumbnail) {
      await media.put(thumbnailKey(key), m.thumbnail, "image/webp");
      written.add(thumbnailKey(key));
    }
  };
  let previousIds: string[] = [];
  let seededIds: string[] = [];

  const report = await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
    const domainPattern = `%@${SEED_EMAIL_DOMAIN}`;

    // --- remove the previous seed (cascades take their content; conversations hold ids in an array)
    const previous = await tx<{ id: string; username: string }[]>`
      SELECT id::text AS id, LOWER(username) AS username FROM users WHERE LOWER(email) LIKE ${domainPattern}`;
    previousIds = previous.map((r) => r.id);
    if (previous.length) {
      await tx`DELETE FROM conversations WHERE participant_ids && ${bigintArray(previous.map((r) => r.id))}::bigint[]`;
      await tx`DELETE FROM users WHERE LOWER(email) LIKE ${domainPattern}`;
      log(`removed ${previous.length} previous seed accounts`);
    }
    const clash = await tx<{ username: string }[]>`
      SELECT username FROM users WHERE LOWER(username) = ANY(${`{${USERS.map((u) => u.username.toLowerCase()).join(",")}}`}::text[])`;
    if (clash.length) {
      throw new Error(`seed: usernames already taken by non-seed accounts: ${clash.map((c) => c.username).join(", ")}`);
    }

    // --- users (the bootstrap trigger creates each profile and storage row). A re-run gives each
    // account its previous id again, so its media keys (users/{id}/…) and URLs stay the same.
    const kept = new Map(previous.map((r) => [r.username, r.id]));
    const fresh = await allocateIds(tx, "users", USERS.filter((u) => !kept.has(u.username.toLowerCase())).length);
    const userIds = USERS.map((u) => kept.get(u.username.toLowerCase()) ?? fresh.shift()!);
    seededIds = userIds;
    const uid = (i: number) => userIds[i]!;
    await insertRows(tx, "users", USERS.map((u, i) => ({
      id: uid(i),
      username: u.username,
      email: emailOf(u),
      email_verified: u.username !== "mateo_silva", // one account still has to verify its email
      password_hash: passwordHash,
      status: u.suspended ? "suspended" : "active",
      created_at: iso(plan.userCreatedAt[i]!),
      updated_at: iso(plan.userCreatedAt[i]!),
      last_login_at: iso(plan.lastLoginAt[i]!),
    })));
    // Profile media are uploads of purpose "profile", confirmed (as media.confirmUpload leaves them:
    // held against the quota, the URL the owner's background / music points at).
    const rProfile = new Rng("profiles");
    const reservationRows: Row[] = [];
    const profileUpload = async (i: number, id: string, fileName: string, bytes: Uint8Array, mime: string): Promise<string> => {
      const rule = MIME_RULES[mime]!;
      const key = objectKey(uid(i), "profile", id, rule.ext);
      const made = await inspectMade(bytes, mime);
      await store(key, bytes, { kind: rule.kind, mime, duration: made.duration, thumbnail: made.thumbnail });
      const at = plan.userCreatedAt[i]! + HOUR;
      reservationRows.push({
        user_id: uid(i), file_key: key, file_name: fileName, mime_type: mime, media_type: rule.kind, size_bytes: bytes.length,
        status: "confirmed", purpose: "profile", media_id: null, file_url: media.publicUrl(key), width: made.width, height: made.height,
        duration_seconds: made.duration, thumbnail_url: made.thumbnail ? media.publicUrl(thumbnailKey(key)) : null,
        created_at: iso(at), confirmed_at: iso(at), attached_at: null, expires_at: iso(at + 30 * 60_000),
      });
      return media.publicUrl(key);
    };
    const profileUrls = new Map<string, string>();
    for (const [i, u] of USERS.entries()) {
      const [primary, secondary, accent, bg] = u.colors;
      const backgroundUrl = u.backgroundImage
        ? await profileUpload(i, rProfile.uuid(), "background.jpg", await renderPicture(i, "jpeg", { width: 1920, height: 1080 }, u.colors), "image/jpeg")
        : null;
      const background = updateBackgroundInput.parse(backgroundUrl ? { type: "image", value: backgroundUrl, position: "cover" } : { type: "color", value: bg });
      const style = updateStyleInput.parse({ font: u.font, primaryColor: primary, secondaryColor: secondary, accentColor: accent });
      const musicUrl = u.music ? await profileUpload(i, rProfile.uuid(), "theme.wav", tune(`music:${u.username}`, 44 + 8_000 * 75, 75), "audio/wav") : null;
      const music = musicUrl ? updateMusicInput.parse({ url: musicUrl, autoplay: false, volume: rProfile.int(30, 70) }) : null;
      const website = u.role === "new" || u.suspended ? null : `https://${u.username.replace(/_/g, "")}.example.com`;
      await tx`
        UPDATE user_profiles SET display_name = ${u.displayName}, bio = ${u.bio}, age = ${u.age}, location = ${u.location},
          website = ${website}, visibility = ${u.visibility}, background_config = ${JSON.stringify(background)}::jsonb,
          style_config = ${JSON.stringify(style)}::jsonb, music_config = ${music ? JSON.stringify(music) : null}::jsonb,
          created_at = ${iso(plan.userCreatedAt[i]!)}, updated_at = ${iso(plan.userCreatedAt[i]!)}
        WHERE user_id = ${uid(i)}`;
    }
    // Cover art for a profile section (static_image).
    const priya = ui("priya_raman");
    profileUrls.set("priya-cover", await profileUpload(priya, rProfile.uuid(), "low-tide-cover.jpg",
      await renderPicture(1, "jpeg", { width: 1200, height: 1200 }, USERS[priya]!.colors), "image/jpeg"));
    log(`inserted ${USERS.length} users`);

    // --- posts, media (the storage trigger fills storage_usage), tags and mentions. Each media file
    // is written to the store first, then named by a post_media row and by the upload it would have
    // come through (an "attached" reservation, as confirmUpload / post.create leave it).
    const mentionable = new Map(USERS.flatMap((u, i) => (isActive(i) ? [[u.username.toLowerCase(), i] as const] : [])));
    const postIds = await allocateIds(tx, "posts", plan.posts.length);
    const pid = (k: number) => postIds[k]!;
    const files = plan.posts.flatMap((p, k) => p.media.map((m, order) => ({ p, k, m, order, key: objectKey(uid(p.author), "post", m.id, m.ext) })));
    await mapLimit(files, 3, async ({ p, m, key }) => {
      const source = m.source.type === "tune" ? null : sources.get(sourceKey(m.source)!)!;
      const bytes = source ? grow(source.bytes, m.size, m.mime) : tune(m.id, m.size, (m.source as { seconds: number }).seconds);
      if (!source) m.duration = (await inspectMade(bytes, m.mime)).duration;
      await store(key, bytes, m, p.type);
    });
    log(`wrote ${written.size} media objects (${mb(files.reduce((n, f) => n + f.m.size, 0))} of post media)`);
    const mediaIds = await allocateIds(tx, "post_media", files.length);
    const urlOf = (f: (typeof files)[number]) => media.publicUrl(f.key);
    const thumbOf = (f: (typeof files)[number]) => (f.m.thumbnail ? media.publicUrl(thumbnailKey(f.key)) : null);
    const postRows: Row[] = [];
    const mediaRows: Row[] = [];
    const tagRows: Row[] = [];
    const mentionRows: Row[] = [];
    plan.posts.forEach((p, k) => {
      const names = extractMentions(p.content).map((n) => n.toLowerCase()).filter((n) => mentionable.has(n) && mentionable.get(n) !== p.author);
      const own = files.filter((f) => f.k === k);
      // As refreshPostMedia: the first item's thumbnail, or the image itself.
      const first = own[0];
      const thumb = first ? (thumbOf(first) ?? (first.m.kind === "image" || first.m.kind === "gif" ? urlOf(first) : null)) : null;
      postRows.push({
        id: pid(k), user_id: uid(p.author), type: p.type, status: p.status, title: p.title, content: p.content,
        content_html: renderContentHtml(p.content, new Set(names)),
        media_urls: own.length ? JSON.stringify(own.map((f) => ({ url: urlOf(f), type: f.m.kind, order: f.order }))) : null,
        thumbnail_url: thumb, views_count: p.views,
        published_at: iso(p.publishedAt), scheduled_for: iso(p.scheduledFor), created_at: iso(p.createdAt), updated_at: iso(p.createdAt),
      });
      for (const tag of extractTags(p.content).slice(0, MAX_TAGS)) tagRows.push({ post_id: pid(k), tag, created_at: iso(p.createdAt) });
      for (const n of names) mentionRows.push({ post_id: pid(k), mentioned_user_id: uid(mentionable.get(n)!), created_at: iso(p.createdAt) });
    });
    files.forEach((f, n) => {
      const { p, k, m } = f;
      mediaRows.push({
        id: mediaIds[n]!, post_id: pid(k), user_id: uid(p.author), type: m.kind, file_url: urlOf(f), file_size_bytes: m.size, mime_type: m.mime,
        width: m.width, height: m.height, duration_seconds: m.duration, thumbnail_url: thumbOf(f), display_order: f.order,
        created_at: iso(p.createdAt),
      });
      reservationRows.push({
        user_id: uid(p.author), file_key: f.key, file_name: `${m.id.slice(0, 8)}.${m.ext}`, mime_type: m.mime, media_type: m.kind, size_bytes: m.size,
        status: "attached", purpose: "post", media_id: mediaIds[n]!, file_url: urlOf(f), width: m.width, height: m.height,
        duration_seconds: m.duration, thumbnail_url: thumbOf(f), created_at: iso(p.createdAt - 60_000), confirmed_at: iso(p.createdAt),
        attached_at: iso(p.createdAt), expires_at: iso(p.createdAt + 29 * 60_000),
      });
    });
    await insertRows(tx, "posts", postRows);
    await insertRows(tx, "post_media", mediaRows);
    await insertRows(tx, "upload_reservations", reservationRows);
    await insertRows(tx, "post_tags", tagRows);
    if (mentionRows.length) await insertRows(tx, "post_mentions", mentionRows);
    log(`inserted ${postRows.length} posts, ${mediaRows.length} media files, ${tagRows.length} tags`);

    // --- the social graph (the friendship trigger turns mutual follows into friendships)
    await insertRows(tx, "user_follows", plan.follows.map((f) => ({ follower_id: uid(f.from), following_id: uid(f.to), created_at: iso(f.at) })));
    await insertRows(tx, "post_interactions", [
      ...plan.likes.map((l) => ({ user_id: uid(l.user), post_id: pid(l.post), type: "like", created_at: iso(l.at) })),
      ...plan.bookmarks.map((b) => ({ user_id: uid(b.user), post_id: pid(b.post), type: "bookmark", created_at: iso(b.at) })),
    ]);
    const commentIds = await allocateIds(tx, "comments", plan.comments.length);
    for (const depth of [0, 1, 2]) {
      const rows = plan.comments.flatMap((c, k) => {
        if (c.depth !== depth) return [];
        const names = extractMentions(c.content).map((n) => n.toLowerCase()).filter((n) => mentionable.has(n));
        return [{
          id: commentIds[k]!, post_id: pid(c.post), user_id: uid(c.author), parent_comment_id: c.parent === null ? null : commentIds[c.parent]!,
          content: c.content, content_html: renderContentHtml(c.content, new Set(names)), created_at: iso(c.at), updated_at: iso(c.at),
        }];
      });
      if (rows.length) await insertRows(tx, "comments", rows);
    }
    await insertRows(tx, "reposts", plan.reposts.map((r) => ({ user_id: uid(r.user), post_id: pid(r.post), comment: r.comment, created_at: iso(r.at) })));
    log(`inserted ${plan.follows.length} follows, ${plan.likes.length} likes, ${plan.comments.length} comments, ${plan.reposts.length} reposts`);

    // --- lists (before sections: a `list` section points at one)
    const lists: { owner: string; name: string; description: string; isPublic: boolean; members: string[] }[] = [
      { owner: "maya_chen", name: "Photographers I love", description: "People whose eye I trust.", isPublic: true, members: ["kenji_ito", "nora_lindqvist", "diego_alvarez"] },
      { owner: "sam_okafor", name: "Builders", description: "Devs shipping cool things.", isPublic: true, members: ["omar_haddad", "jonas_weber", "priya_raman", "leo_martins"] },
      { owner: "priya_raman", name: "Music crew", description: "Collaborators and friends.", isPublic: false, members: ["amara_diallo", "chloe_dubois", "diego_alvarez"] },
    ];
    const listIds = await allocateIds(tx, "user_lists", lists.length);
    await insertRows(tx, "user_lists", lists.map((l, k) => ({
      id: listIds[k]!, user_id: uid(ui(l.owner)), name: l.name, description: l.description, is_public: l.isPublic,
    })));
    await insertRows(tx, "list_members", lists.flatMap((l, k) => l.members.map((m) => ({ list_id: listIds[k]!, member_user_id: uid(ui(m)) }))));

    // --- custom feeds: configs validated by the same schema as the API, filters normalized
    const feeds: { owner: string; name: string; description: string; isDefault?: boolean; config: unknown }[] = [
      { owner: "maya_chen", name: "Only Videos", description: "Short and long videos only.", isDefault: true,
        config: { filters: [{ type: "post_type", operator: "contains", value: ["video_short", "video_long"] }], sort: "recent" } },
      { owner: "leo_martins", name: "Popular This Week", description: "Last 7 days, at least a few likes.",
        config: { filters: [
          { type: "date_range", operator: "greater_than", value: { lastDays: 7 } },
          { type: "engagement", operator: "greater_than", value: { metric: "likes", value: 2 } },
        ], sort: "popular" } },
      { owner: "sam_okafor", name: "Friends Only", description: "Posts from mutual follows.",
        config: { filters: [{ type: "author", operator: "equals", value: "friends" }] } },
      { owner: "sam_okafor", name: "Text Posts", description: "Words, not pictures.",
        config: { filters: [{ type: "post_type", operator: "contains", value: ["text_short", "text_long"] }] } },
      { owner: "priya_raman", name: "Music", description: "Music tags or audio posts.",
        config: { filters: [
          { type: "tag", operator: "contains", value: ["music", "newmusic", "jazz"] },
          { type: "post_type", operator: "contains", value: ["song", "album"], logicalOperator: "OR" },
        ] } },
      { owner: "nora_lindqvist", name: "Art & Illustration", description: "Sketches, paintings, illustration.",
        config: { filters: [{ type: "tag", operator: "contains", value: ["illustration", "art", "sketch", "pixelart"] }], sort: "engagement" } },
      { owner: "jonas_weber", name: "Photo Dump", description: "Images, galleries and GIFs from people I follow.",
        config: { filters: [
          { type: "post_type", operator: "contains", value: ["image", "image_gallery", "gif"] },
          { type: "author", operator: "equals", value: "following" },
        ] } },
      { owner: "amara_diallo", name: "Hidden Gems", description: "Quiet posts from the last month.",
        config: { filters: [
          { type: "engagement", operator: "less_than", value: { metric: "total", value: 5 } },
          { type: "date_range", operator: "in_range", value: { start: { lastDays: 30 } } },
        ], sort: "recent", limit: 30 } },
      { owner: "kenji_ito", name: "No Text", description: "Everything except text posts.",
        config: { filters: [
          { type: "post_type", operator: "not_equals", value: "text_short" },
          { type: "post_type", operator: "equals", value: "text_long", logicalOperator: "NOT" },
        ] } },
      { owner: "lucia_ferrari", name: "Maya & Kenji", description: "Two photographers, or anything tagged travel.",
        config: { logic: "OR", filters: [
          { type: "author", operator: "contains", value: [uid(ui("maya_chen")), uid(ui("kenji_ito"))], groupId: 0 },
          { type: "tag", operator: "equals", value: "#Travel", groupId: 1 },
        ], sort: "recent" } },
    ];
    const feedIds = await allocateIds(tx, "custom_feeds", feeds.length);
    const feedOrder = new Map<string, number>();
    const feedRows: Row[] = [];
    const filterRows: Row[] = [];
    feeds.forEach((f, k) => {
      const config: AlgorithmConfig = algorithmConfigSchema.parse(f.config);
      const order = feedOrder.get(f.owner) ?? 0;
      feedOrder.set(f.owner, order + 1);
      feedRows.push({ id: feedIds[k]!, user_id: uid(ui(f.owner)), name: f.name, description: f.description,
        algorithm_config: JSON.stringify(config), is_default: f.isDefault ?? false, display_order: order });
      config.filters.forEach((flt, n) => filterRows.push({ feed_id: feedIds[k]!, type: flt.type, operator: flt.operator,
        value: JSON.stringify(flt.value), group_id: flt.groupId, logical_operator: flt.logicalOperator, display_order: n }));
    });
    await insertRows(tx, "custom_feeds", feedRows);
    await insertRows(tx, "feed_filters", filterRows);

    // --- profile sections: configs through parseSectionConfig, items for the static ones
    type Item = { type: "text" | "link" | "image" | "embed"; title?: string; content?: string; url?: string };
    const sections: { owner: string; type: SectionType; title: string; description?: string; config: Record<string, unknown>; items?: Item[]; hidden?: boolean }[] = [
      { owner: "maya_chen", type: "static_text", title: "About", config: { align: "left" },
        items: [{ type: "text", content: "Photographer based in Lisbon. Available for editorial and travel commissions." }] },
      { owner: "maya_chen", type: "gallery", title: "Portfolio", config: { columns: 3, showCaptions: true } },
      { owner: "maya_chen", type: "feed", title: "Latest photos", config: { filters: [{ type: "post_type", operator: "contains", value: ["image", "image_gallery"] }], layout: "grid" } },
      { owner: "maya_chen", type: "links", title: "Find me elsewhere", config: { style: "buttons" },
        items: [
          { type: "link", title: "Portfolio", url: "https://mayachen.example.com/portfolio" },
          { type: "link", title: "Prints shop", url: "https://mayachen.example.com/prints" },
          { type: "link", title: "Newsletter", url: "https://mayachen.example.com/newsletter" },
        ] },
      { owner: "leo_martins", type: "video", title: "Showreel", config: { autoplay: false },
        items: [{ type: "embed", title: "Showreel 2024", url: "https://leomartins.example.com/showreel" }] },
      { owner: "leo_martins", type: "static_text", title: "Now filming", config: { align: "center" },
        items: [{ type: "text", content: "Currently shooting a short documentary about night-shift workers in São Paulo." }] },
      { owner: "leo_martins", type: "followers", title: "Followers", config: { limit: 12 } },
      { owner: "priya_raman", type: "feed", title: "Releases", config: { filters: [{ type: "post_type", operator: "contains", value: ["song", "album"] }], sort: "recent" } },
      { owner: "priya_raman", type: "links", title: "Listen", config: { style: "list" },
        items: [
          { type: "link", title: "Bandcamp", url: "https://priyaraman.example.com/bandcamp" },
          { type: "link", title: "Tour dates", url: "https://priyaraman.example.com/tour" },
        ] },
      { owner: "priya_raman", type: "static_image", title: "Low Tide EP artwork", config: { fit: "contain" },
        items: [{ type: "image", title: "Cover art", url: profileUrls.get("priya-cover")! }] },
      { owner: "sam_okafor", type: "list", title: "People I learn from", config: { listId: listIds[1]!, limit: 10 } },
      { owner: "sam_okafor", type: "reposts", title: "Worth reading", config: { limit: 5 } },
      { owner: "sam_okafor", type: "static_text", title: "Uses", config: {},
        items: [{ type: "text", content: "Editor: Neovim. Database: PostgreSQL. Keyboard: too many." }] },
      { owner: "nora_lindqvist", type: "gallery", title: "Sketchbook", config: { columns: 4 } },
      { owner: "nora_lindqvist", type: "friends", title: "Friends", config: { limit: 9 } },
      { owner: "nora_lindqvist", type: "following", title: "Artists I follow", config: { limit: 12 }, hidden: true },
      { owner: "jonas_weber", type: "links", title: "Race results", config: {},
        items: [{ type: "link", title: "Strava", url: "https://jonasweber.example.com/runs" }] },
      { owner: "amara_diallo", type: "static_text", title: "Booking", config: { align: "right" },
        items: [{ type: "text", content: "For gigs and sessions, send me a message." }] },
    ];
    const sectionIds = await allocateIds(tx, "profile_sections", sections.length);
    const sectionOrder = new Map<string, number>();
    const sectionRows: Row[] = [];
    const itemRows: Row[] = [];
    sections.forEach((s, k) => {
      const order = sectionOrder.get(s.owner) ?? 0;
      sectionOrder.set(s.owner, order + 1);
      sectionRows.push({ id: sectionIds[k]!, user_id: uid(ui(s.owner)), type: s.type, title: s.title, description: s.description ?? null,
        config: JSON.stringify(parseSectionConfig(s.type, s.config)), display_order: order, is_visible: !s.hidden });
      (s.items ?? []).forEach((it, n) => itemRows.push({ section_id: sectionIds[k]!, content_type: it.type, title: it.title ?? null,
        content: it.content ?? null, url: it.url ?? null, display_order: n }));
    });
    await insertRows(tx, "profile_sections", sectionRows);
    await insertRows(tx, "section_content", itemRows);
    log(`inserted ${feeds.length} feeds, ${sections.length} sections, ${lists.length} lists`);

    // --- conversations and messages
    const convIds = await allocateIds(tx, "conversations", plan.conversations.length);
    const sortIds = (ids: string[]) => [...new Set(ids)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await insertRows(tx, "conversations", plan.conversations.map((c, k) => ({
      id: convIds[k]!,
      participant_ids: bigintArray(sortIds(c.members.map(uid))),
      created_at: iso(c.messages[0]!.at),
      last_message_at: iso(c.messages[c.messages.length - 1]!.at),
    })));
    await insertRows(tx, "messages", plan.conversations.flatMap((c, k) => c.messages.map((m) => ({
      conversation_id: convIds[k]!, sender_id: uid(m.sender), content: m.content,
      read_by: bigintArray(sortIds(m.readBy.map(uid))), created_at: iso(m.at), updated_at: iso(m.at),
    }))));
    // What message.start and message.send maintain: the 1:1 key (one conversation per pair) and each
    // participant's read marker and latest message (the unread counts), derived from read_by.
    await tx`
      UPDATE conversations c SET direct_key = c.participant_ids[1]::text || ':' || c.participant_ids[2]::text
      FROM (SELECT id, row_number() OVER (PARTITION BY participant_ids ORDER BY id) AS rn
            FROM conversations WHERE id = ANY(${convIds}::bigint[]) AND cardinality(participant_ids) = 2) k
      WHERE k.id = c.id AND k.rn = 1`;
    await tx`
      UPDATE conversation_participants cp SET last_message_id = x.max_id, last_message_at = x.max_at,
        last_read_message_id = COALESCE((SELECT max(m.id) FROM messages m WHERE m.conversation_id = cp.conversation_id
                                          AND (m.sender_id = cp.user_id OR m.read_by @> ARRAY[cp.user_id])), 0)
      FROM (SELECT conversation_id, max(id) AS max_id, max(created_at) AS max_at FROM messages
            WHERE conversation_id = ANY(${convIds}::bigint[]) GROUP BY conversation_id) x
      WHERE x.conversation_id = cp.conversation_id`;

    // --- notifications for the accounts whose logins the report prints
    const notifications: Row[] = [];
    const notify = (recipient: number, actor: number, type: "follow" | "like" | "comment", at: number, post: number | null, comment: number | null, content: string | null) => {
      if (recipient === actor || !isActive(actor) || !isActive(recipient)) return;
      const actorName = USERS[actor]!.username;
      const suffix = { follow: " followed you", like: " liked your post", comment: " commented on your post" }[type];
      const read = at < now - 2 * DAY;
      notifications.push({
        user_id: uid(recipient), type, actor_id: uid(actor), post_id: post === null ? null : pid(post),
        comment_id: comment === null ? null : commentIds[comment]!, title: `${actorName}${suffix}`, content,
        action_url: post === null ? `/@${actorName}` : `/posts/${pid(post)}${comment === null ? "" : `#comment-${commentIds[comment]!}`}`,
        is_read: read, read_at: read ? iso(at + HOUR) : null, created_at: iso(at),
      });
    };
    for (const name of ["maya_chen", "sam_okafor", "priya_raman", "hannah_kim"]) {
      const r = ui(name);
      plan.follows.filter((f) => f.to === r).slice(-4).forEach((f) => notify(r, f.from, "follow", f.at, null, null, null));
      plan.likes.filter((l) => plan.posts[l.post]!.author === r).sort((a, b) => a.at - b.at).slice(-4)
        .forEach((l) => notify(r, l.user, "like", l.at, l.post, null, null));
      plan.comments.map((c, k) => ({ c, k })).filter(({ c }) => c.parent === null && plan.posts[c.post]!.author === r)
        .sort((a, b) => a.c.at - b.c.at).slice(-4)
        .forEach(({ c, k }) => notify(r, c.author, "comment", c.at, c.post, k, c.content.slice(0, 280)));
    }
    await insertRows(tx, "notifications", notifications);
    log(`inserted ${plan.conversations.length} conversations, ${plan.conversations.reduce((s, c) => s + c.messages.length, 0)} messages, ${notifications.length} notifications`);
    const peers = await seedPeerFeatures(tx);
    log(`added ${peers.pins} pins, ${peers.warnings} content warning, ${peers.quotes} quote post, ${peers.polls} poll`);

    return collectReport(tx, userIds, previous.length);
  });
  // Objects of an earlier seed (or of an earlier plan) that no row names any more.
  let stale = 0;
  for (const id of new Set([...seededIds, ...previousIds])) {
    for await (const object of media.list(`users/${id}/`)) {
      if (written.has(object.key)) continue;
      await media.delete(object.key);
      stale++;
    }
  }
  if (stale) log(`deleted ${stale} media objects of an earlier seed`);
  report.storedObjects = written.size;
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

async function collectReport(tx: Tx, userIds: string[], removed: number): Promise<SeedReport> {
  const ids = bigintArray(userIds);
  const count = async (q: PromiseLike<{ n: number }[]>) => (await q)[0]!.n;
  const grouped = async (q: PromiseLike<{ k: string; n: number }[]>) =>
    Object.fromEntries((await q).map((r) => [r.k, r.n])) as Record<string, number>;

  const byType = await grouped(tx`SELECT type::text AS k, count(*)::int AS n FROM posts WHERE user_id = ANY(${ids}::bigint[]) GROUP BY 1 ORDER BY 1`);
  const byStatus = await grouped(tx`SELECT status::text AS k, count(*)::int AS n FROM posts WHERE user_id = ANY(${ids}::bigint[]) GROUP BY 1 ORDER BY 1`);
  const popularIds = bigintArray(USERS.flatMap((u, i) => (u.role === "popular" ? [userIds[i]!] : [])));
  const storage = await tx<{ username: string; used: number; quota: number }[]>`
    SELECT u.username, s.used_bytes::int AS used, s.quota_bytes::int AS quota
    FROM storage_usage s JOIN users u ON u.id = s.user_id
    WHERE u.id = ANY(${ids}::bigint[]) ORDER BY s.used_bytes DESC, u.username`;
  const inRange = (lo: number, hi: number) => storage.filter((s) => s.used >= lo * MiB && s.used <= hi * MiB).length;
  const nearQuota = storage.filter((s) => s.used >= 40 * MiB && s.used <= s.quota).length;
  const moderate = inRange(10, 20);
  const minimal = storage.filter((s) => s.used < 5 * MiB).length;

  return {
    users: {
      total: await count(tx`SELECT count(*)::int AS n FROM users WHERE id = ANY(${ids}::bigint[])`),
      popular: USERS.filter((u) => u.role === "popular").length,
      regular: USERS.filter((u) => u.role === "regular").length,
      new: USERS.filter((u) => u.role === "new").length,
      suspended: await count(tx`SELECT count(*)::int AS n FROM users WHERE id = ANY(${ids}::bigint[]) AND status = 'suspended'`),
      byVisibility: await grouped(tx`SELECT visibility AS k, count(*)::int AS n FROM user_profiles WHERE user_id = ANY(${ids}::bigint[]) GROUP BY 1 ORDER BY 1`),
    },
    posts: {
      total: await count(tx`SELECT count(*)::int AS n FROM posts WHERE user_id = ANY(${ids}::bigint[])`),
      byType,
      byStatus,
      fromPopular: await count(tx`SELECT count(*)::int AS n FROM posts WHERE user_id = ANY(${popularIds}::bigint[])`),
      media: await count(tx`SELECT count(*)::int AS n FROM post_media WHERE user_id = ANY(${ids}::bigint[])`),
      tags: await count(tx`SELECT count(*)::int AS n FROM post_tags t JOIN posts p ON p.id = t.post_id WHERE p.user_id = ANY(${ids}::bigint[])`),
      mentions: await count(tx`SELECT count(*)::int AS n FROM post_mentions m JOIN posts p ON p.id = m.post_id WHERE p.user_id = ANY(${ids}::bigint[])`),
    },
    follows: await count(tx`SELECT count(*)::int AS n FROM user_follows WHERE follower_id = ANY(${ids}::bigint[])`),
    friendships: await count(tx`SELECT count(*)::int AS n FROM friendships WHERE user_id_1 = ANY(${ids}::bigint[]) OR user_id_2 = ANY(${ids}::bigint[])`),
    likes: await count(tx`SELECT count(*)::int AS n FROM post_interactions WHERE user_id = ANY(${ids}::bigint[]) AND type = 'like'`),
    bookmarks: await count(tx`SELECT count(*)::int AS n FROM post_interactions WHERE user_id = ANY(${ids}::bigint[]) AND type = 'bookmark'`),
    comments: await count(tx`SELECT count(*)::int AS n FROM comments WHERE user_id = ANY(${ids}::bigint[])`),
    replies: await count(tx`SELECT count(*)::int AS n FROM comments WHERE user_id = ANY(${ids}::bigint[]) AND parent_comment_id IS NOT NULL`),
    reposts: await count(tx`SELECT count(*)::int AS n FROM reposts WHERE user_id = ANY(${ids}::bigint[])`),
    repostsWithComment: await count(tx`SELECT count(*)::int AS n FROM reposts WHERE user_id = ANY(${ids}::bigint[]) AND comment IS NOT NULL`),
    feeds: await count(tx`SELECT count(*)::int AS n FROM custom_feeds WHERE user_id = ANY(${ids}::bigint[])`),
    feedFilters: await count(tx`SELECT count(*)::int AS n FROM feed_filters f JOIN custom_feeds c ON c.id = f.feed_id WHERE c.user_id = ANY(${ids}::bigint[])`),
    sections: await count(tx`SELECT count(*)::int AS n FROM profile_sections WHERE user_id = ANY(${ids}::bigint[])`),
    sectionItems: await count(tx`SELECT count(*)::int AS n FROM section_content c JOIN profile_sections s ON s.id = c.section_id WHERE s.user_id = ANY(${ids}::bigint[])`),
    lists: await count(tx`SELECT count(*)::int AS n FROM user_lists WHERE user_id = ANY(${ids}::bigint[])`),
    listMembers: await count(tx`SELECT count(*)::int AS n FROM list_members m JOIN user_lists l ON l.id = m.list_id WHERE l.user_id = ANY(${ids}::bigint[])`),
    conversations: await count(tx`SELECT count(*)::int AS n FROM conversations WHERE participant_ids && ${ids}::bigint[]`),
    messages: await count(tx`SELECT count(*)::int AS n FROM messages WHERE sender_id = ANY(${ids}::bigint[])`),
    notifications: await count(tx`SELECT count(*)::int AS n FROM notifications WHERE user_id = ANY(${ids}::bigint[])`),
    storage: {
      nearQuota,
      moderate,
      minimal,
      other: storage.length - nearQuota - moderate - minimal,
      overQuota: storage.filter((s) => s.used > s.quota).length,
      perUser: storage.map((s) => ({ username: s.username, usedBytes: s.used, quotaBytes: s.quota })),
    },
    removedPreviousAccounts: removed,
    storedObjects: 0,
    logins: [
      { username: "maya_chen", note: "popular, storage near quota, has custom feeds and sections" },
      { username: "sam_okafor", note: "popular, lists and a list section" },
      { username: "kenji_ito", note: "regular" },
      { username: "hannah_kim", note: "regular, followers-only profile" },
      { username: "finn_obrien", note: "new account" },
      { username: "deals4u_daily", note: "suspended (login is refused)" },
    ].map((l) => ({ ...l, email: emailOf(USERS[ui(l.username)]!), password: SEED_PASSWORD })),
    durationMs: 0,
  };
}

const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;

/** The report as the CLI prints it. */
export function formatSeedReport(r: SeedReport): string {
  const kv = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(", ");
  return [
    `seeded in ${r.durationMs} ms${r.removedPreviousAccounts ? ` (replaced ${r.removedPreviousAccounts} previous seed accounts)` : ""}`,
    `users          ${r.users.total} (popular ${r.users.popular}, regular ${r.users.regular} incl. ${r.users.suspended} suspended, new ${r.users.new}; ${kv(r.users.byVisibility)})`,
    `posts          ${r.posts.total} (${r.posts.fromPopular} from popular accounts; ${kv(r.posts.byStatus)})`,
    `  by type      ${kv(r.posts.byType)}`,
    `  media files  ${r.posts.media} (${r.storedObjects} objects in the media store, thumbnails and profile media included), tags ${r.posts.tags}, mentions ${r.posts.mentions}`,
    `follows        ${r.follows} (friendships ${r.friendships})`,
    `likes          ${r.likes}, bookmarks ${r.bookmarks}`,
    `comments       ${r.comments} (${r.replies} replies)`,
    `reposts        ${r.reposts} (${r.repostsWithComment} with a comment)`,
    `feeds          ${r.feeds} (${r.feedFilters} filters)`,
    `sections       ${r.sections} (${r.sectionItems} items)`,
    `lists          ${r.lists} (${r.listMembers} members)`,
    `conversations  ${r.conversations}, messages ${r.messages}`,
    `notifications  ${r.notifications}`,
    `storage        ${r.storage.nearQuota} near quota (40–50 MB), ${r.storage.moderate} at 10–20 MB, ${r.storage.minimal} under 5 MB` +
      (r.storage.other ? `, ${r.storage.other} elsewhere` : "") + (r.storage.overQuota ? `, ${r.storage.overQuota} OVER QUOTA` : ""),
    ...r.storage.perUser.map((s) => `  ${s.username.padEnd(18)} ${mb(s.usedBytes).padStart(8)} / ${mb(s.quotaBytes)}`),
    `logins (password for every seed account: ${SEED_PASSWORD})`,
    ...r.logins.map((l) => `  ${l.email.padEnd(34)} ${l.password}   ${l.note}`),
  ].join("\n");
}
