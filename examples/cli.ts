// A command-line client of a running VRSS server (`bun run dev`):
//   bun examples/cli.ts [baseUrl]      (default http://localhost:3000)
// Registers a fresh account, publishes a post, follows the seeded maya_chen, reads the home feed
// and prints it. Uses only "../src/client" (what frontends import as "vrss/client").
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { AppErrorCode, AppRouter, RouterOutputs } from "../src/client";

const baseUrl = (process.argv[2] ?? "http://localhost:3000").replace(/\/+$/, "");
let token: string | null = null;

const api = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: `${baseUrl}/api/rpc`,
      headers: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    }),
  ],
});

function explain(error: unknown): string {
  if (!(error instanceof TRPCClientError)) return String(error);
  const e = error as TRPCClientError<AppRouter>;
  const code: AppErrorCode | null | undefined = e.data?.appCode;
  return `${e.data?.code ?? "ERROR"}${code ? `/${code}` : ""}: ${e.message}`;
}

function printFeed(page: RouterOutputs["feed"]["home"]): void {
  for (const item of page.items) {
    const post = item.post;
    const text = (post.title ?? post.content ?? "").replace(/\s+/g, " ").slice(0, 70);
    console.log(`  ${item.kind === "repost" ? "↻" : "•"} @${post.author.username} [${post.type}] ${text}  ♥${post.counts.likes}`);
  }
  console.log(page.nextCursor ? `  … more (cursor ${page.nextCursor.slice(0, 16)}…)` : "  (end)");
}

async function main(): Promise<void> {
  const ping = await api.health.ping.query({ echo: "cli" });
  console.log(`server ${baseUrl}: pong at ${ping.time}`);

  const suffix = Date.now().toString(36);
  const username = `cli_${suffix}`;
  const session = await api.auth.register.mutate({ username, email: `${username}@example.com`, password: "Passw0rd!cli" });
  token = session.token;
  console.log(`registered @${session.user.username} (id ${session.user.id})`);

  const post = await api.post.create.mutate({ type: "text_short", content: `Hello from the VRSS CLI (${suffix})` });
  console.log(`posted ${post.id} (${post.type}, ${post.status})`);

  const maya = await api.user.get.query({ username: "maya_chen" });
  const follow = await api.social.follow.mutate({ userId: maya.id });
  console.log(`followed @maya_chen: ${JSON.stringify(follow)}`);

  const feed = await api.feed.home.query({ limit: 10 });
  console.log(`home feed (${feed.items.length} items):`);
  printFeed(feed);
}

main().catch((error: unknown) => {
  console.error(explain(error));
  process.exit(1);
});
