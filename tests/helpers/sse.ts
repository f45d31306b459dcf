// A listener on one of the live SSE streams (message.onEvent, notification.onEvent) through the
// real tRPC client, as a browser would use it: httpSubscriptionLink over the `eventsource` package
// (Bun has no global EventSource), whose fetch option carries the Bearer token. Shared by the
// streams' tests so both read the wire the same way (tracked ids, the ready id, keepalives skipped).
import { createTRPCClient, httpSubscriptionLink } from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "../../src/trpc/router";

export type SseEvent = { type: string; [k: string]: any };

export interface SseListener {
  /** Every event but keepalives, in arrival order. */
  events: SseEvent[];
  /** Tracked ids of the stream's own events (messages, notifications), in arrival order. */
  ids: string[];
  /** The id the ready event carried (where a reconnection resumes). */
  readyId: string | null;
  errors: unknown[];
  waitFor(pred: (events: SseEvent[]) => boolean, ms?: number): Promise<void>;
  stop(): void;
}

export function sseClient(baseUrl: string, token: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${baseUrl}/api/rpc`,
        EventSource,
        eventSourceOptions: {
          fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } }),
        },
      }),
    ],
  });
}

/**
 * Opens `stream`'s onEvent (resuming after lastEventId when given) and resolves once `ready`
 * arrived. `waitMs` is waitFor's default timeout, `readyMs` how long to wait for ready.
 */
export async function listenSse(
  stream: "message" | "notification",
  baseUrl: string,
  token: string,
  opts: { lastEventId?: string; waitMs: number; readyMs: number },
): Promise<SseListener> {
  const events: SseEvent[] = [];
  const ids: string[] = [];
  const errors: unknown[] = [];
  const client = sseClient(baseUrl, token);
  const l: SseListener = {
    readyId: null,
    events,
    ids,
    errors,
    async waitFor(pred, ms = opts.waitMs) {
      const until = Date.now() + ms;
      while (!pred(events)) {
        if (Date.now() > until) throw new Error(`timed out; events so far: ${JSON.stringify(events).slice(0, 2000)} errors: ${String(errors)}`);
        await Bun.sleep(10);
      }
    },
    stop: () => sub.unsubscribe(),
  };
  const input = opts.lastEventId ? { lastEventId: opts.lastEventId } : undefined;
  const handlers = {
    onData(value: any) {
      // Tracked events arrive as { id, data }: the stream's own (id = where it resumes) and ready.
      const tracked = value && typeof value === "object" && "id" in value && "data" in value;
      const event: SseEvent = tracked ? value.data : value;
      if (event.type === "keepalive") return;
      if (tracked && event.type === stream) ids.push(value.id);
      if (tracked && event.type === "ready") l.readyId = value.id;
      events.push(event);
    },
    onError: (err: unknown) => void errors.push(err),
  };
  const sub = stream === "message" ? client.message.onEvent.subscribe(input, handlers) : client.notification.onEvent.subscribe(input, handlers);
  await l.waitFor((e) => e.some((x) => x.type === "ready"), opts.readyMs);
  return l;
}

/**
 * What a browser's EventSource does on reconnection, as raw SSE: GET `procedure` with the
 * Last-Event-ID header, read until the `ready` event, then hang up. The raw text and content type.
 */
export async function rawSseUntilReady(baseUrl: string, procedure: string, token: string, lastEventId: string) {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/rpc/${procedure}`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream", "last-event-id": lastEventId },
    signal: controller.signal,
  });
  const contentType = res.headers.get("content-type");
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes('"type":"ready"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  return { contentType, text };
}
