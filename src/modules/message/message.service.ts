// Conversations (1:1 and groups up to 50), messages, read markers and unread counts.
//  - Membership: conversations.participant_ids (the spec's column, stored sorted) mirrored by a
//    trigger into conversation_participants, which also holds each participant's read marker and
//    the conversation's latest activity (one index range per inbox page, see 0047).
//  - Only participants can read, send, mark or delete: everyone else gets NOT_FOUND.
//  - A 1:1 conversation is unique per pair through conversations.direct_key (0046).
//  - Messages from accounts the reader may not see (inactive, or a block either way) are left out
//    of history, last-message previews, unread counts and live events.
// Live events are published after the transaction commits (message.events.ts).
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { notify } from "../notification/notification.service";
import { accountVisibleSql } from "../visibility/visibility";
import { MAX_PARTICIPANTS, type MessagePrivacy } from "./message.schema";

/** Per-conversation unread counts stop here ("99+"); the total is the sum of the capped counts. */
export const UNREAD_CAP = 100;

const byId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);
export const conversationUrl = (conversationId: string) => `/messages/${conversationId}`;

/**
 * SQL: the account (`idExpr`, joined users row's `statusExpr`) is the viewer or visible to them.
 * Always over a joined users row: an EXISTS on users under OR/NOT may be planned as a hash of
 * every active account.
 */
function seenBySql(idExpr: SQL, statusExpr: SQL, viewerId: string): SQL {
  return sql`(${idExpr} = ${viewerId} OR (${accountVisibleSql(idExpr, statusExpr, viewerId)}))`;
}

/**
 * SQL: the other participants of conversation `convExpr` the viewer may not see (inactive, or a
 * block either way); their messages are left out of what the viewer reads. At most 49 rows.
 */
function hiddenSendersSql(convExpr: SQL, viewerId: string): SQL {
  return sql`ARRAY(SELECT hp.user_id FROM conversation_participants hp JOIN users hu ON hu.id = hp.user_id
                   WHERE hp.conversation_id = ${convExpr} AND NOT ${seenBySql(sql`hp.user_id`, sql`hu.status`, viewerId)})`;
}

export interface UserRef {
  id: string;
  username: string;
  displayName: string | null;
}

export interface MessageView {
  id: string;
  conversationId: string;
  sender: UserRef;
  /** null once deleted. */
  content: string | null;
  deleted: boolean;
  createdAt: string;
  /** Participants (other than the sender, and visible to the reader) whose read marker is at or past this message. */
  readBy: string[];
}

interface MessageRow {
  id: string;
  conversation_id: string;
  sender_id: string;
  username: string;
  display_name: string | null;
  content: string;
  deleted_at: string | null;
  created_at: string;
  read_by?: string[] | null;
}

export function messageView(r: MessageRow): MessageView {
  const deleted = r.deleted_at !== null;
  return {
    id: r.id,
    conversationId: r.conversation_id,
    sender: { id: r.sender_id, username: r.username, displayName: r.display_name },
    content: deleted ? null : r.content,
    deleted,
    createdAt: iso(r.created_at)!,
    readBy: r.read_by ?? [],
  };
}

/** The caller's participation, or NOT_FOUND (non-participants cannot tell a conversation exists). */
async function requireParticipant(db: DbOrTx, userId: string, conversationId: string): Promise<void> {
  const row = await one<{ ok: number }>(db, sql`
    SELECT 1 AS ok FROM conversation_participants WHERE conversation_id = ${conversationId} AND user_id = ${userId}`);
  if (!row) throw new AppError("NOT_FOUND", "Conversation not found");
}

/** Other participants of the conversations, as the viewer may see them, in id order. */
async function participantsOf(db: DbOrTx, viewerId: string, conversationIds: string[]): Promise<Map<string, UserRef[]>> {
  const map = new Map<string, UserRef[]>(conversationIds.map((id) => [id, []]));
  if (!conversationIds.length) return map;
  const rows = await many<{ conversation_id: string; id: string; username: string; display_name: string | null }>(db, sql`
    SELECT cp.conversation_id, u.id, u.username, pr.display_name
    FROM conversation_participants cp JOIN users u ON u.id = cp.user_id JOIN user_profiles pr ON pr.user_id = u.id
    WHERE cp.conversation_id IN (${sql.join(conversationIds.map((id) => sql`${id}`), sql`, `)})
      AND cp.user_id <> ${viewerId} AND ${accountVisibleSql(sql`u.id`, sql`u.status`, viewerId)}
    ORDER BY cp.conversation_id, u.id`);
  for (const r of rows) map.get(r.conversation_id)?.push({ id: r.id, username: r.username, displayName: r.display_name });
  return map;
}

// ------------------------------------------------------------------------------------------------
// start

export interface StartedConversation {
  id: string;
  isGroup: boolean;
  participants: UserRef[];
  createdAt: string;
  lastMessageAt: string;
  /** false when an existing 1:1 conversation was returned. */
  created: boolean;
}

async function conversationSummary(db: DbOrTx, viewerId: string, conversationId: string, created: boolean): Promise<StartedConversation> {
  const row = await one<{ id: string; size: number; created_at: string; last_message_at: string }>(db, sql`
    SELECT id, cardinality(participant_ids) AS size, created_at, last_message_at FROM conversations WHERE id = ${conversationId}`);
  if (!row) throw new AppError("NOT_FOUND", "Conversation not found");
  const participants = (await participantsOf(db, viewerId, [row.id])).get(row.id) ?? [];
  return {
    id: row.id,
    isGroup: row.size > 2,
    participants,
    createdAt: iso(row.created_at)!,
    lastMessageAt: iso(row.last_message_at)!,
    created,
  };
}

/**
 * Starts a conversation with `participantIds` (the caller is always a member; duplicates are
 * dropped). Refusals, in order: only yourself or more than 50 members → BAD_REQUEST; an account
 * that does not exist, is inactive, or stands in a block with the caller (either way) →
 * NOT_FOUND (blocks look like absence, as in social.follow); an existing 1:1 conversation is then
 * returned as is; otherwise a member whose messaging preference excludes the caller → FORBIDDEN
 * MESSAGING_NOT_ALLOWED (details.userIds).
 */
export async function startConversation(db: Db, userId: string, participantIds: string[]): Promise<StartedConversation> {
  const others = [...new Set(participantIds)].filter((id) => id !== userId).sort(byId);
  if (others.length === 0) {
    throw new AppError("BAD_REQUEST", "A conversation needs someone besides you", { field: "participantIds", appCode: "SELF_TARGET" });
  }
  if (others.length + 1 > MAX_PARTICIPANTS) {
    throw new AppError("BAD_REQUEST", `A conversation has at most ${MAX_PARTICIPANTS} participants, you included`, {
      field: "participantIds", appCode: "TOO_MANY_PARTICIPANTS", details: { max: MAX_PARTICIPANTS },
    });
  }
  const found = await many<{ id: string; allowed: boolean }>(db, sql`
    SELECT u.id,
           CASE pr.message_privacy
             WHEN 'everyone' THEN TRUE
             WHEN 'following' THEN EXISTS (SELECT 1 FROM user_follows f WHERE f.follower_id = u.id AND f.following_id = ${userId})
             WHEN 'friends' THEN EXISTS (SELECT 1 FROM friendships fr
                                         WHERE fr.user_id_1 = LEAST(u.id, ${userId}::bigint) AND fr.user_id_2 = GREATEST(u.id, ${userId}::bigint))
             ELSE FALSE
           END AS allowed
    FROM users u JOIN user_profiles pr ON pr.user_id = u.id
    WHERE u.id IN (${sql.join(others.map((id) => sql`${id}`), sql`, `)})
      AND ${accountVisibleSql(sql`u.id`, sql`u.status`, userId)}`);
  const foundIds = new Set(found.map((r) => r.id));
  const missing = others.filter((id) => !foundIds.has(id));
  if (missing.length) {
    throw new AppError("NOT_FOUND", "User not found", { field: "participantIds", details: { userIds: missing } });
  }
  const members = [userId, ...others].sort(byId);
  const directKey = others.length === 1 ? `${members[0]}:${members[1]}` : null;
  if (directKey) {
    const existing = await one<{ id: string }>(db, sql`SELECT id FROM conversations WHERE direct_key = ${directKey}`);
    if (existing) return conversationSummary(db, userId, existing.id, false);
  }
  const refused = found.filter((r) => !r.allowed).map((r) => r.id).sort(byId);
  if (refused.length) {
    throw new AppError("FORBIDDEN", "This person does not accept messages from you", {
      appCode: "MESSAGING_NOT_ALLOWED", field: "participantIds", details: { userIds: refused },
    });
  }
  const array = sql`ARRAY[${sql.join(members.map((id) => sql`${id}::bigint`), sql`, `)}]::bigint[]`;
  if (!directKey) {
    const row = await one<{ id: string }>(db, sql`INSERT INTO conversations (participant_ids) VALUES (${array}) RETURNING id`);
    return conversationSummary(db, userId, row!.id, true);
  }
  // The unique key decides between two people starting the same 1:1 at once: the loser's insert
  // waits for the winner's commit and does nothing; the next statement (a fresh snapshot) reads it.
  const inserted = await one<{ id: string }>(db, sql`
    INSERT INTO conversations (participant_ids, direct_key) VALUES (${array}, ${directKey})
    ON CONFLICT (direct_key) DO NOTHING RETURNING id`);
  if (inserted) return conversationSummary(db, userId, inserted.id, true);
  const winner = await one<{ id: string }>(db, sql`SELECT id FROM conversations WHERE direct_key = ${directKey}`);
  return conversationSummary(db, userId, winner!.id, false);
}

// ------------------------------------------------------------------------------------------------
// privacy

export async function getPrivacy(db: DbOrTx, userId: string): Promise<{ who: MessagePrivacy }> {
  const row = await one<{ who: MessagePrivacy }>(db, sql`SELECT message_privacy AS who FROM user_profiles WHERE user_id = ${userId}`);
  if (!row) throw new AppError("NOT_FOUND", "Profile not found");
  return { who: row.who };
}

export async function setPrivacy(db: DbOrTx, userId: string, who: MessagePrivacy): Promise<{ who: MessagePrivacy }> {
  const row = await one<{ who: MessagePrivacy }>(db, sql`
    UPDATE user_profiles SET message_privacy = ${who} WHERE user_id = ${userId} RETURNING message_privacy AS who`);
  if (!row) throw new AppError("NOT_FOUND", "Profile not found");
  return { who: row.who };
}

// ------------------------------------------------------------------------------------------------
// send / delete

export interface SendResult {
  message: MessageView;
  /** Who gets the live event: the sender and every active participant (blocks refuse the send). */
  recipients: string[];
}

/**
 * Sends a message. NOT_FOUND unless the caller participates; FORBIDDEN (appCode BLOCKED) when a
 * block stands between the caller and any other participant, either way. The conversation row
 * is locked first: messages of one conversation get ids in commit order (what replay by
 * lastEventId and the read markers rely on), and the once-per-conversation notification check
 * cannot race.
 */
export async function sendMessage(db: Db, userId: string, conversationId: string, content: string): Promise<SendResult> {
  return transaction(db, async (tx) => {
    const conv = await one<{ id: string }>(tx, sql`
      SELECT c.id FROM conversations c
      WHERE c.id = ${conversationId}
        AND EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = c.id AND p.user_id = ${userId})
      FOR UPDATE OF c`);
    if (!conv) throw new AppError("NOT_FOUND", "Conversation not found");
    const blocked = await one<{ yes: boolean }>(tx, sql`
      SELECT EXISTS (
        SELECT 1 FROM conversation_participants p JOIN user_blocks b
          ON (b.blocker_id = p.user_id AND b.blocked_id = ${userId}) OR (b.blocker_id = ${userId} AND b.blocked_id = p.user_id)
        WHERE p.conversation_id = ${conversationId} AND p.user_id <> ${userId}) AS yes`);
    if (blocked!.yes) {
      throw new AppError("FORBIDDEN", "You cannot message someone you blocked or who blocked you", { appCode: "BLOCKED" });
    }
    const row = await one<MessageRow>(tx, sql`
      WITH m AS (
        INSERT INTO messages (conversation_id, sender_id, content) VALUES (${conversationId}, ${userId}, ${content})
        RETURNING id, conversation_id, sender_id, content, deleted_at, created_at)
      SELECT m.*, u.username, pr.display_name
      FROM m JOIN users u ON u.id = m.sender_id JOIN user_profiles pr ON pr.user_id = u.id`);
    const message = row!;
    // GREATEST: created_at is the transaction's start, which can trail a message committed just before.
    await tx.execute(sql`UPDATE conversations SET last_message_at = GREATEST(last_message_at, ${message.created_at}::timestamptz)
                         WHERE id = ${conversationId}`);
    // Every participant's copy of the latest activity; the sender has read everything up to here.
    const members = await many<{ user_id: string; active: boolean }>(tx, sql`
      UPDATE conversation_participants cp
      SET last_message_id = ${message.id}, last_message_at = GREATEST(cp.last_message_at, ${message.created_at}::timestamptz),
          last_read_message_id = CASE WHEN cp.user_id = ${userId} THEN ${message.id}::bigint ELSE cp.last_read_message_id END,
          last_read_at = CASE WHEN cp.user_id = ${userId} THEN NOW() ELSE cp.last_read_at END
      FROM users u
      WHERE cp.conversation_id = ${conversationId} AND u.id = cp.user_id
      RETURNING cp.user_id, u.status = 'active' AS active`);
    const others = members.filter((m) => m.user_id !== userId && m.active).map((m) => m.user_id);
    // notify() applies the shared rules (inactive, blocks, mutes); the partial unique index of
    // 0049 turns a second unread notification for this conversation into a no-op.
    await Promise.all(others.map((recipientId) =>
      notify(tx, { recipientId, actorId: userId, type: "message", content, actionUrl: conversationUrl(conversationId) })));
    return { message: messageView(message), recipients: [userId, ...others] };
  });
}

/**
 * Soft-deletes the caller's own message (idempotent). Anyone else's message, or one that does not
 * exist, is NOT_FOUND.
 */
export async function deleteMessage(db: Db, userId: string, messageId: string): Promise<{ messageId: string; conversationId: string; deleted: true; recipients: string[] }> {
  const row = await one<{ conversation_id: string }>(db, sql`
    WITH target AS (
      SELECT m.id, m.conversation_id FROM messages m
      WHERE m.id = ${messageId} AND m.sender_id = ${userId}
        AND EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = m.conversation_id AND p.user_id = ${userId})),
    upd AS (UPDATE messages m SET deleted_at = NOW() FROM target WHERE m.id = target.id AND m.deleted_at IS NULL RETURNING m.id)
    SELECT conversation_id FROM target`);
  if (!row) throw new AppError("NOT_FOUND", "Message not found");
  const recipients = await eventRecipients(db, userId, row.conversation_id);
  return { messageId, conversationId: row.conversation_id, deleted: true, recipients };
}

/** The participants who may see the actor (plus the actor): who receives the actor's live events. */
export async function eventRecipients(db: DbOrTx, actorId: string, conversationId: string): Promise<string[]> {
  const rows = await many<{ user_id: string }>(db, sql`
    SELECT cp.user_id FROM conversation_participants cp JOIN users u ON u.id = cp.user_id
    WHERE cp.conversation_id = ${conversationId} AND ${seenBySql(sql`cp.user_id`, sql`u.status`, actorId)}`);
  return rows.map((r) => r.user_id);
}

// ------------------------------------------------------------------------------------------------
// history

/** Newest first, keyset on the message id; deleted messages stay, as `deleted: true` without content. */
export async function history(
  db: DbOrTx,
  userId: string,
  input: { conversationId: string; cursor?: string; limit: number },
): Promise<Page<MessageView>> {
  const after = decodeCursor(input.cursor, 1);
  await requireParticipant(db, userId, input.conversationId);
  // The page is read from messages alone (messages_conversation_id_idx, newest first: "= ANY" and
  // conversation_id in the ORDER BY, so never a walk down messages_pkey through other
  // conversations), leaving out the senders hidden from the caller; then hydrated.
  const rows = await many<MessageRow>(db, sql`
    SELECT m.id, m.conversation_id, m.sender_id, u.username, pr.display_name, m.content, m.deleted_at, m.created_at,
           ARRAY(SELECT rp.user_id::text FROM conversation_participants rp JOIN users ru ON ru.id = rp.user_id
                 WHERE rp.conversation_id = m.conversation_id AND rp.user_id <> m.sender_id AND rp.last_read_message_id >= m.id
                   AND ${seenBySql(sql`rp.user_id`, sql`ru.status`, userId)}
                 ORDER BY rp.user_id) AS read_by
    FROM (SELECT pm.id, pm.conversation_id, pm.sender_id, pm.content, pm.deleted_at, pm.created_at
          FROM messages pm
          WHERE pm.conversation_id = ANY (ARRAY[${input.conversationId}::bigint])
            AND pm.sender_id <> ALL (${hiddenSendersSql(sql`${input.conversationId}::bigint`, userId)})
            ${after ? sql`AND pm.id < ${String(after[0])}::bigint` : sql``}
          ORDER BY pm.conversation_id DESC, pm.id DESC
          LIMIT ${input.limit + 1}) m
    JOIN users u ON u.id = m.sender_id JOIN user_profiles pr ON pr.user_id = u.id
    ORDER BY m.id DESC`);
  return toPage(rows, input.limit, messageView, (r) => [r.id]);
}

/**
 * Messages of the caller's conversations after `afterId`, oldest first (replay on reconnection):
 * per conversation with anything newer (participant row), a range of messages_conversation_id_idx.
 */
export async function messagesSince(db: DbOrTx, userId: string, afterId: string, limit: number): Promise<MessageView[]> {
  const rows = await many<MessageRow>(db, sql`
    SELECT m.id, m.conversation_id, m.sender_id, u.username, pr.display_name, m.content, m.deleted_at, m.created_at
    FROM (SELECT pm.id, pm.conversation_id, pm.sender_id, pm.content, pm.deleted_at, pm.created_at
          FROM conversation_participants cp ${hiddenLateralSql(userId)}
          CROSS JOIN LATERAL (
            SELECT x.id, x.conversation_id, x.sender_id, x.content, x.deleted_at, x.created_at FROM messages x
            WHERE x.conversation_id = ANY (ARRAY[cp.conversation_id]) AND x.id > ${afterId}::bigint AND x.sender_id <> ALL (h.ids)
            ORDER BY x.conversation_id, x.id
            LIMIT ${limit}) pm
          WHERE cp.user_id = ${userId} AND cp.last_message_id > ${afterId}::bigint
          ORDER BY pm.id
          LIMIT ${limit}) m
    JOIN users u ON u.id = m.sender_id JOIN user_profiles pr ON pr.user_id = u.id
    ORDER BY m.id`);
  return rows.map(messageView);
}

// ------------------------------------------------------------------------------------------------
// read markers and unread counts

/** SQL: `CROSS JOIN LATERAL` of the hidden senders of participant row `cp`, as `h.ids` (computed once per row). */
function hiddenLateralSql(userId: string): SQL {
  // OFFSET 0 keeps the planner from inlining the array into each use (it would run once per use).
  return sql`CROSS JOIN LATERAL (SELECT ${hiddenSendersSql(sql`cp.conversation_id`, userId)} AS ids OFFSET 0) h`;
}

/**
 * SQL: `CROSS JOIN LATERAL` of the unread messages of participant row `cp` (alias, with `h` from
 * hiddenLateralSql) for `userId`, as `ur.n`, capped at UNREAD_CAP: messages after the read
 * marker, not deleted, not the reader's own, not from a hidden account. One range of
 * messages_conversation_id_idx (index-only); skipped (n = 0) when the participant row says the
 * latest message is already read.
 */
function unreadLateralSql(userId: string): SQL {
  return sql`CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM (
    SELECT 1 FROM messages um
    WHERE cp.last_message_id > cp.last_read_message_id
      AND um.conversation_id = cp.conversation_id AND um.id > cp.last_read_message_id
      AND um.deleted_at IS NULL AND um.sender_id <> ${userId} AND um.sender_id <> ALL (h.ids)
    LIMIT ${UNREAD_CAP}) unread) ur`;
}

export interface ReadResult {
  conversationId: string;
  userId: string;
  lastReadMessageId: string;
  readAt: string;
}

/**
 * Marks everything in the conversation up to now as read for the caller: the read marker moves to
 * the newest message (never backwards), and the caller's unread `message` notification for this
 * conversation is marked read too. messages.read_by is not written (see docs/decisions.md).
 */
export async function markRead(db: Db, userId: string, conversationId: string): Promise<ReadResult & { recipients: string[] }> {
  const result = await transaction(db, async (tx) => {
    const row = await one<{ last_read_message_id: string; last_read_at: string }>(tx, sql`
      UPDATE conversation_participants cp
      SET last_read_message_id = GREATEST(cp.last_read_message_id, cp.last_message_id, latest.id),
          last_message_id = GREATEST(cp.last_message_id, latest.id),
          last_read_at = NOW()
      FROM (SELECT COALESCE(max(m.id), 0) AS id FROM messages m WHERE m.conversation_id = ${conversationId}) latest
      WHERE cp.conversation_id = ${conversationId} AND cp.user_id = ${userId}
      RETURNING cp.last_read_message_id, cp.last_read_at`);
    if (!row) throw new AppError("NOT_FOUND", "Conversation not found");
    await tx.execute(sql`
      UPDATE notifications SET is_read = TRUE, read_at = NOW()
      WHERE user_id = ${userId} AND type = 'message' AND is_read = FALSE AND action_url = ${conversationUrl(conversationId)}`);
    return { conversationId, userId, lastReadMessageId: row.last_read_message_id, readAt: iso(row.last_read_at)! };
  });
  return { ...result, recipients: await eventRecipients(db, userId, conversationId) };
}

/**
 * The caller's unread messages over all conversations. Conversations whose latest message is at
 * or before the marker are skipped without touching messages; the others count only the messages
 * after the marker, each capped at UNREAD_CAP (`capped` says whether any count hit it).
 */
export async function unreadCount(db: DbOrTx, userId: string): Promise<{ count: number; capped: boolean }> {
  const row = await one<{ count: number; capped: boolean }>(db, sql`
    SELECT COALESCE(sum(ur.n), 0)::int AS count, COALESCE(bool_or(ur.n >= ${UNREAD_CAP}), FALSE) AS capped
    FROM conversation_participants cp ${hiddenLateralSql(userId)} ${unreadLateralSql(userId)}
    WHERE cp.user_id = ${userId} AND cp.last_message_id > cp.last_read_message_id`);
  return { count: row!.count, capped: row!.capped };
}

// ------------------------------------------------------------------------------------------------
// inbox

export interface ConversationListItem {
  id: string;
  isGroup: boolean;
  participants: UserRef[];
  createdAt: string;
  lastMessageAt: string;
  lastMessage: Omit<MessageView, "readBy"> | null;
  unreadCount: number;
  /** unreadCount reached UNREAD_CAP ("99+"). */
  unreadCapped: boolean;
  lastReadMessageId: string;
}

interface InboxRow {
  conversation_id: string;
  last_message_at: string;
  last_read_message_id: string;
  size: number;
  created_at: string;
  unread: number;
  m_id: string | null;
  m_sender_id: string | null;
  m_username: string | null;
  m_display_name: string | null;
  m_content: string | null;
  m_deleted_at: string | null;
  m_created_at: string | null;
}

/**
 * The caller's conversations, newest activity first (keyset on (last_message_at, id) of the
 * participant rows, one index range), each with its last visible message and unread count.
 */
export async function listConversations(
  db: DbOrTx,
  userId: string,
  input: { cursor?: string; limit: number },
): Promise<Page<ConversationListItem>> {
  const after = decodeCursor(input.cursor, 2);
  const rows = await many<InboxRow>(db, sql`
    SELECT cp.conversation_id, cp.last_message_at, cp.last_read_message_id, cardinality(c.participant_ids) AS size, c.created_at,
           ur.n AS unread,
           lm.id AS m_id, lm.sender_id AS m_sender_id, lu.username AS m_username, lpr.display_name AS m_display_name,
           lm.content AS m_content, lm.deleted_at AS m_deleted_at, lm.created_at AS m_created_at
    FROM conversation_participants cp
    JOIN conversations c ON c.id = cp.conversation_id
    ${hiddenLateralSql(userId)}
    ${unreadLateralSql(userId)}
    LEFT JOIN LATERAL (
      SELECT m.id, m.sender_id, m.content, m.deleted_at, m.created_at FROM messages m
      -- "= ANY(ARRAY[..])", not "=": with "=" the planner may read messages_pkey backwards (ORDER BY
      -- id LIMIT 1) and walk every newer message of other conversations; this way only
      -- messages_conversation_id_idx gives the order.
      WHERE m.conversation_id = ANY (ARRAY[cp.conversation_id]) AND m.sender_id <> ALL (h.ids)
      ORDER BY m.conversation_id DESC, m.id DESC LIMIT 1) lm ON TRUE
    LEFT JOIN users lu ON lu.id = lm.sender_id
    LEFT JOIN user_profiles lpr ON lpr.user_id = lm.sender_id
    WHERE cp.user_id = ${userId}
      ${after ? sql`AND (cp.last_message_at, cp.conversation_id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY cp.last_message_at DESC, cp.conversation_id DESC
    LIMIT ${input.limit + 1}`);
  const page = toPage(rows, input.limit, (r) => r, (r) => [r.last_message_at, r.conversation_id]);
  const participants = await participantsOf(db, userId, page.items.map((r) => r.conversation_id));
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((r) => ({
      id: r.conversation_id,
      isGroup: r.size > 2,
      participants: participants.get(r.conversation_id) ?? [],
      createdAt: iso(r.created_at)!,
      lastMessageAt: iso(r.last_message_at)!,
      lastMessage: r.m_id
        ? (({ readBy: _readBy, ...m }) => m)(messageView({
            id: r.m_id, conversation_id: r.conversation_id, sender_id: r.m_sender_id!, username: r.m_username!,
            display_name: r.m_display_name, content: r.m_content!, deleted_at: r.m_deleted_at, created_at: r.m_created_at!,
          }))
        : null,
      unreadCount: r.unread,
      unreadCapped: r.unread >= UNREAD_CAP,
      lastReadMessageId: r.last_read_message_id,
    })),
  };
}
