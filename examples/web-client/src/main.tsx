// A strict, DOM-only React app against the VRSS API: the typed client, TanStack Query through
// @trpc/tanstack-react-query (an infinite home feed paged by cursor), and errors by appCode.
// Everything server-side comes from "vrss/client" (types: dist/types/client.d.ts, built by
// `bun run build:types` at the repository root).
import { QueryClient, QueryClientProvider, useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext, createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import {
  APP_CODES,
  POST_TYPES,
  type AppErrorCode,
  type AppRouter,
  type PostType,
  type RouterInputs,
  type RouterOutputs,
} from "vrss/client";

const API_URL = "http://localhost:3000/api/rpc";

let token: string | null = null;

export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: API_URL,
      headers: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    }),
  ],
});

export const queryClient = new QueryClient();

/** Outside React (loaders, tests): the same query options, without hooks. */
export const trpc = createTRPCOptionsProxy<AppRouter>({ client: trpcClient, queryClient });

const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function isApiError(cause: unknown): cause is TRPCClientError<AppRouter> {
  return cause instanceof TRPCClientError;
}

/** What to tell the user, by the server's stable reason (exhaustive: a new code fails typecheck here). */
export function describeError(cause: unknown): string {
  if (!isApiError(cause)) return "Network error, please retry";
  const data = cause.data;
  const code: AppErrorCode | null | undefined = data?.appCode;
  if (!code) {
    const firstField = data?.zodError ? Object.keys(data.zodError)[0] : undefined;
    const messages: string[] | undefined = firstField ? data?.zodError?.[firstField] : undefined;
    return messages?.[0] ?? cause.message;
  }
  switch (code) {
    case "SESSION_REQUIRED":
    case "SESSION_INVALID":
      return "Please sign in again";
    case "RATE_LIMITED": {
      const retry = data?.details?.["retryAfterSeconds"];
      return `Too many attempts, retry in ${typeof retry === "number" ? retry : 60} s`;
    }
    case "USERNAME_TAKEN":
    case "EMAIL_TAKEN":
      return `That ${data?.field ?? "value"} is taken`;
    case "STORAGE_QUOTA_EXCEEDED":
      return "Your storage is full: upgrade or delete media";
    case "IMAGE_TOO_LARGE":
    case "VIDEO_TOO_LARGE":
    case "AUDIO_TOO_LARGE":
      return "This file is too large";
    case "INVALID_CREDENTIALS":
      return "Wrong email or password";
    default: {
      const known: (typeof APP_CODES)[number] = code;
      return `${cause.message} (${known})`;
    }
  }
}

type FeedPage = RouterOutputs["feed"]["home"];
type FeedItem = FeedPage["items"][number];
type NewPost = RouterInputs["post"]["create"];

function PostCard({ item }: { item: FeedItem }): ReactNode {
  const post = item.post;
  return (
    <article data-type={post.type}>
      <header>
        @{post.author.username} {item.kind === "repost" ? "(repost)" : null}
      </header>
      {post.title ? <h2>{post.title}</h2> : null}
      <p>{post.content}</p>
      <footer>♥ {post.counts.likes}</footer>
    </article>
  );
}

function HomeFeed(): ReactNode {
  const trpc = useTRPC();
  const feed = useInfiniteQuery(
    trpc.feed.home.infiniteQueryOptions({ limit: 20 }, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  const [draft, setDraft] = useState("");
  const [kind, setKind] = useState<PostType>("text_short");
  const create = useMutation(trpc.post.create.mutationOptions());
  const items: FeedItem[] = feed.data?.pages.flatMap((page) => page.items) ?? [];

  const submit = () => {
    const input: NewPost = { type: kind, content: draft };
    create.mutate(input, { onSuccess: () => setDraft("") });
  };

  return (
    <main>
      <select value={kind} onChange={(e) => setKind(POST_TYPES.find((t) => t === e.currentTarget.value) ?? "text_short")}>
        {POST_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
      </select>
      <textarea value={draft} onChange={(e) => setDraft(e.currentTarget.value)} />
      <button onClick={submit} disabled={create.isPending}>Post</button>
      {create.error ? <p role="alert">{describeError(create.error)}</p> : null}
      {feed.error ? <p role="alert">{describeError(feed.error)}</p> : null}
      {items.map((item) => <PostCard key={item.id} item={item} />)}
      {feed.hasNextPage ? <button onClick={() => void feed.fetchNextPage()}>More</button> : null}
    </main>
  );
}

export function App(): ReactNode {
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <HomeFeed />
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/**
 * Signs in and keeps the Bearer token for the links above. An account with two-factor sign-in
 * answers a challenge first: `askCode` gets the code (TOTP or recovery code) from the person.
 */
export async function signIn(email: string, password: string, askCode: () => Promise<string>): Promise<string | null> {
  try {
    const first = await trpcClient.auth.login.mutate({ email, password });
    const session = "mfaRequired" in first
      ? await trpcClient.auth.loginMfa.mutate({ challenge: first.challenge, code: await askCode() })
      : first;
    token = session.token;
    return null;
  } catch (cause) {
    return describeError(cause);
  }
}
