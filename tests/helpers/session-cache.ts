// Session-cache test helpers: a controllable pub/sub (subscribe can fail, delivery can be cut,
// publish can fail, onReconnect can be fired) and a way to tell whether a cache is serving.
import { createHash } from "node:crypto";
import type postgres from "postgres";
import type { PubSub } from "../../src/lib/pubsub";

export interface FakePubSub {
  pubsub: PubSub;
  /** subscribe() rejects (Redis unavailable). */
  subscribeFails: boolean;
  /** publish() resolves but nothing is delivered (a frozen Redis, a dead subscriber connection). */
  dropping: boolean;
  /** publish() rejects. */
  publishFails: boolean;
  /** What was handed to publish() successfully, per channel. */
  published: { channel: string; message: unknown }[];
  fireReconnect(): void;
}

export function fakePubSub(): FakePubSub {
  const handlers = new Map<string, Set<(message: unknown) => void>>();
  const reconnect = new Set<() => void>();
  const fake: FakePubSub = {
    subscribeFails: false,
    dropping: false,
    publishFails: false,
    published: [],
    fireReconnect: () => reconnect.forEach((l) => l()),
    pubsub: {
      async publish(channel, message) {
        if (fake.publishFails) throw new Error("Redis unavailable (circuit open)");
        fake.published.push({ channel, message });
        if (fake.dropping) return;
        const copy = JSON.parse(JSON.stringify(message));
        queueMicrotask(() => handlers.get(channel)?.forEach((h) => h(copy)));
      },
      async subscribe(channel, handler) {
        if (fake.subscribeFails) throw new Error("Redis unavailable: cannot subscribe");
        if (!handlers.has(channel)) handlers.set(channel, new Set());
        handlers.get(channel)!.add(handler);
        return async () => void handlers.get(channel)?.delete(handler);
      },
      onReconnect(listener) {
        reconnect.add(listener);
        return () => void reconnect.delete(listener);
      },
      async close() {
        handlers.clear();
      },
    },
  };
  return fake;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** Revokes a session behind the app's back (no message): only a cache still serves it afterwards. */
export async function revokeSilently(sql: postgres.Sql, token: string): Promise<void> {
  await sql`UPDATE sessions SET revoked_at = NOW() WHERE token_hash = ${sha256(token)}`;
}
