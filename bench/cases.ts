// Benchmark cases contributed by later features (media/storage, messages). Each is measured
// through HTTP like the feed cases, and may add a query plan to bench/results.md.
import type postgres from "postgres";
import type { Db } from "../src/db/client";

export interface BenchContext {
  rpc(path: string, input: unknown, token?: string, method?: "GET" | "POST"): Promise<any>;
  viewers: Record<string, { id: string; token: string }>;
  sql: postgres.Sql;
  /** The bench's own connection pool, for "(direct)" rows: the query alone, without HTTP and session lookup. */
  db: Db;
}

export const extraCases: { name: string; target?: string; run(ctx: BenchContext): Promise<unknown> }[] = [];
export const extraExplains: { name: string; run(ctx: { db: Db; viewers: BenchContext["viewers"]; sql: postgres.Sql }): Promise<unknown> }[] = [];

// storage.usage: single-row lookups (storage_usage's unique index, upload_reservations_user_held_idx,
// the newest current subscription through user_subscriptions_user_idx).
import { getUsage } from "../src/modules/storage/storage.service";
extraCases.push({ name: "storage.usage", target: "p99 ≤ 2 ms", run: (ctx) => ctx.rpc("storage.usage", undefined, ctx.viewers.v2000!.token) });
extraCases.push({ name: "storage.usage (direct)", run: (ctx) => getUsage(ctx.db, ctx.viewers.v2000!.id) });
extraExplains.push({ name: "storage.usage", run: ({ db, viewers }) => getUsage(db, viewers.v2000!.id) });

// message.conversations / message.unreadCount for bench_v2000 with 30 1:1 conversations of 1,000
// messages each (added on the first run when the viewer has none; set-based, generate_series).
// The viewer has read each conversation up to its 950th message, so ~25 are unread in each: the
// count reads only the messages after the read marker (messages_conversation_id_idx).
import { unreadCount as messageUnreadCount } from "../src/modules/message/message.service";
let messagingData: Promise<void> | null = null;
function ensureMessagingData(ctx: { sql: postgres.Sql; viewers: BenchContext["viewers"] }): Promise<void> {
  messagingData ??= (async () => {
    const v = ctx.viewers.v2000!.id;
    const [has] = await ctx.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM conversation_participants WHERE user_id = ${v}`;
    if (has!.n > 0) return;
    await ctx.sql.begin(async (tx) => {
      await tx`
        INSERT INTO conversations (participant_ids, direct_key, created_at, last_message_at)
        SELECT ARRAY[LEAST(${v}::bigint, p.id), GREATEST(${v}::bigint, p.id)],
               LEAST(${v}::bigint, p.id)::text || ':' || GREATEST(${v}::bigint, p.id)::text,
               NOW() - INTERVAL '30 days', NOW() - INTERVAL '30 days'
        FROM (SELECT id FROM users WHERE status = 'active' AND id <> ${v} AND username NOT LIKE 'bench\\_%' ORDER BY id LIMIT 30) p
        ON CONFLICT (direct_key) DO NOTHING`;
      await tx`
        INSERT INTO messages (conversation_id, sender_id, content, created_at, updated_at)
        SELECT c.id,
               CASE WHEN g % 2 = 0 THEN ${v}::bigint
                    WHEN c.participant_ids[1] = ${v}::bigint THEN c.participant_ids[2] ELSE c.participant_ids[1] END,
               'bench message ' || g,
               NOW() - INTERVAL '30 days' + g * INTERVAL '40 minutes' + (c.id % 30) * INTERVAL '1 minute',
               NOW() - INTERVAL '30 days' + g * INTERVAL '40 minutes' + (c.id % 30) * INTERVAL '1 minute'
        FROM conversations c JOIN conversation_participants cp ON cp.conversation_id = c.id AND cp.user_id = ${v}
        CROSS JOIN generate_series(1, 1000) g
        ORDER BY g, c.id`;
      await tx`
        UPDATE conversation_participants cp
        SET last_message_id = x.max_id, last_message_at = x.max_at, last_read_at = NOW(),
            last_read_message_id = CASE WHEN cp.user_id = ${v}::bigint THEN x.read_to ELSE x.max_id END
        FROM (SELECT m.conversation_id, max(m.id) AS max_id, max(m.created_at) AS max_at, (array_agg(m.id ORDER BY m.id))[950] AS read_to
              FROM messages m JOIN conversation_participants mine ON mine.conversation_id = m.conversation_id AND mine.user_id = ${v}
              GROUP BY m.conversation_id) x
        WHERE cp.conversation_id = x.conversation_id`;
      await tx`
        UPDATE conversations c SET last_message_at = cp.last_message_at
        FROM conversation_participants cp WHERE cp.conversation_id = c.id AND cp.user_id = ${v}`;
    });
    await ctx.sql`VACUUM ANALYZE messages`;
    await ctx.sql`VACUUM ANALYZE conversation_participants`;
  })();
  return messagingData;
}
extraCases.push({
  name: "message.conversations (30 conversations × 1,000 messages)",
  target: "p99 ≤ 15 ms",
  run: async (ctx) => {
    await ensureMessagingData(ctx);
    return ctx.rpc("message.conversations", { limit: 20 }, ctx.viewers.v2000!.token);
  },
});
extraCases.push({
  name: "message.unreadCount (30 conversations, ~25 unread each)",
  target: "p99 ≤ 5 ms",
  run: async (ctx) => {
    await ensureMessagingData(ctx);
    return ctx.rpc("message.unreadCount", undefined, ctx.viewers.v2000!.token);
  },
});
extraCases.push({
  name: "message.unreadCount (direct)",
  run: async (ctx) => {
    await ensureMessagingData(ctx);
    return messageUnreadCount(ctx.db, ctx.viewers.v2000!.id);
  },
});
extraExplains.push({
  name: "message.unreadCount",
  run: async ({ db, viewers, sql }) => {
    await ensureMessagingData({ sql, viewers });
    return messageUnreadCount(db, viewers.v2000!.id);
  },
});
