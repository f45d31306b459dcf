// Polls on text posts (issue 19), over HTTP: post.create with a poll, poll.vote and poll.get —
// results hidden until the viewer voted or the poll ended (the author always sees them), votes
// once and final, choices checked against the poll, ended polls closed, everything the voter may
// not see NOT_FOUND exactly as a missing post; exact tallies under 200 concurrent voters and under
// one account's racing double votes; a draft's poll opening at publication; post.update keeping or
// resetting votes; and the poll-ended job notifying the author and the voters once.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { pollEndedJob, notifyEndedPolls, POLL_ENDED_TITLE } from "../../src/jobs/poll-jobs";
import { runJobOnce } from "../../src/jobs/runner";
import { createPoll, pollOptionsOf, pollsFor, replacePoll, votePoll } from "../../src/modules/poll/poll.service";
import { canRunConcurrently } from "../helpers/db";
import { block, createPost, createUserWithToken, follow } from "../helpers/factories";
import { type Authed, callersOf, expectErrorData, ok, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);
const sql = () => ctx.t.sql;

interface PollSpec { options: string[]; multiple?: boolean; expiresInSeconds: number }
const twoColours: PollSpec = { options: ["Red", "Blue"], expiresInSeconds: 3600 };

/** A text post with a poll, through post.create. */
async function pollPost(author: Authed, poll: PollSpec = twoColours, extra: Record<string, unknown> = {}): Promise<{ id: string; poll: any }> {
  return ok(await mutate(author, "post.create", { type: "text_short", content: "Which one?", poll, ...extra }));
}
const vote = (voter: Authed | null, postId: string, choices: number[]) => mutate(voter, "poll.vote", { postId, choices });
const getPoll = async (viewer: Authed | null, postId: string) => ok(await query(viewer, "poll.get", { postId })).poll;
/** Ends the poll now (as if its time had run out). */
const endPoll = (postId: string) => sql()`UPDATE polls SET expires_at = NOW() - interval '1 second' WHERE post_id = ${postId}`;
type Accounts<N extends number, R extends Authed[] = []> = R["length"] extends N ? R : Accounts<N, [...R, Authed]>;
/** `n` new accounts, as a tuple (destructuring needs no `!`). */
const users = <N extends number>(n: N) => Promise.all(Array.from({ length: n }, () => user())) as Promise<Accounts<N>>;
const errorOf = (res: { status: number; body: any }) => ({
  status: res.status, code: res.body?.error?.data?.code, appCode: res.body?.error?.data?.appCode, message: res.body?.error?.message,
});

/** Tallies as stored, and as recounted from the vote rows. */
async function tallies(postId: string) {
  const [row] = await sql()<{ voters: number; votes: number; per: number[]; rows: number; row_votes: number; row_per: number[] }[]>`
    SELECT pl.voters_count AS voters, pl.votes_count AS votes, pl.option_votes AS per,
           (SELECT count(*)::int FROM poll_votes v WHERE v.poll_id = pl.id) AS rows,
           (SELECT COALESCE(sum(cardinality(v.choices)), 0)::int FROM poll_votes v WHERE v.poll_id = pl.id) AS row_votes,
           ARRAY(SELECT (SELECT count(*)::int FROM poll_votes v WHERE v.poll_id = pl.id AND (o.i - 1) = ANY (v.choices))
                 FROM generate_subscripts(pl.options, 1) AS o(i) ORDER BY o.i) AS row_per
    FROM polls pl WHERE pl.post_id = ${postId}`;
  return row!;
}
const expectExact = (t: Awaited<ReturnType<typeof tallies>>) =>
  expect({ voters: t.voters, votes: t.votes, per: t.per }).toEqual({ voters: t.rows, votes: t.row_votes, per: t.row_per });

async function pollNotifications(postId: string) {
  return (await sql()<{ user_id: string; title: string }[]>`
    SELECT user_id, title FROM notifications WHERE type = 'poll' AND post_id = ${postId} ORDER BY user_id`).map((r) => ({ ...r }));
}

describe("poll.vote and what each viewer sees", () => {
  test("results stay hidden until the viewer votes or the poll ends; the author always sees them", async () => {
    const author = await user();
    const [alice, bob] = await users(2);
    const created = await pollPost(author);
    expect(created.poll).toEqual({
      id: expect.any(String), multiple: false, expiresAt: expect.any(String), expired: false,
      votesCount: 0, votersCount: 0, resultsHidden: false,
      options: [{ title: "Red", votesCount: 0 }, { title: "Blue", votesCount: 0 }],
      viewer: { voted: false, choices: [] },
    });
    const expiresIn = Date.parse(created.poll.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);

    const hidden = {
      ...created.poll, votesCount: null, votersCount: null, resultsHidden: true,
      options: [{ title: "Red", votesCount: null }, { title: "Blue", votesCount: null }],
    };
    expect(await getPoll(alice, created.id)).toEqual(hidden);
    expect(await getPoll(null, created.id)).toEqual(hidden);

    const voted = ok(await vote(alice, created.id, [1])).poll;
    expect(voted).toEqual({
      ...created.poll, votesCount: 1, votersCount: 1,
      options: [{ title: "Red", votesCount: 0 }, { title: "Blue", votesCount: 1 }], viewer: { voted: true, choices: [1] },
    });
    // Bob has not voted: still hidden, in poll.get and in the post itself; Alice sees her vote in both.
    expect(await getPoll(bob, created.id)).toEqual(hidden);
    expect(ok(await query(bob, "post.get", { postId: created.id })).poll).toEqual(hidden);
    expect(ok(await query(alice, "post.get", { postId: created.id })).poll).toEqual(voted);
    // The author sees the tallies without voting, and may vote in their own poll (Mastodon allows it).
    expect((await getPoll(author, created.id)).options).toEqual([{ title: "Red", votesCount: 0 }, { title: "Blue", votesCount: 1 }]);
    expect(ok(await vote(author, created.id, [0])).poll).toMatchObject({ votersCount: 2, viewer: { voted: true, choices: [0] } });

    // Ended: everyone sees the results, anonymous readers too; nobody votes any more.
    await endPoll(created.id);
    const ended = await getPoll(bob, created.id);
    expect(ended).toMatchObject({
      expired: true, resultsHidden: false, votesCount: 2, votersCount: 2,
      options: [{ title: "Red", votesCount: 1 }, { title: "Blue", votesCount: 1 }], viewer: { voted: false, choices: [] },
    });
    expect((await getPoll(null, created.id)).resultsHidden).toBe(false);
    expectErrorData(await vote(bob, created.id, [0]), "BAD_REQUEST", { appCode: "POLL_EXPIRED" });
    expectExact(await tallies(created.id));
  });

  test("multiple choice: each option chosen counts once; votesCount sums them, votersCount counts accounts", async () => {
    const author = await user();
    const [a, b, c] = await users(3);
    const post = await pollPost(author, { options: ["Tea", "Coffee", "Water", "Juice"], multiple: true, expiresInSeconds: 300 });
    expect(post.poll.multiple).toBe(true);
    ok(await vote(a, post.id, [3, 0, 2]));
    ok(await vote(b, post.id, [2]));
    const last = ok(await vote(c, post.id, [2, 1])).poll;
    expect(last).toMatchObject({ votesCount: 6, votersCount: 3, viewer: { voted: true, choices: [1, 2] } });
    expect(last.options.map((o: any) => o.votesCount)).toEqual([1, 1, 3, 1]);
    expect((await getPoll(a, post.id)).viewer).toEqual({ voted: true, choices: [0, 2, 3] });
    expectExact(await tallies(post.id));
  });

  test("choices must fit the poll: out of range, repeated, several on a single-choice poll are BAD_REQUEST field choices", async () => {
    const author = await user();
    const voter = await user();
    const single = await pollPost(author);
    const multi = await pollPost(author, { options: ["A", "B", "C"], multiple: true, expiresInSeconds: 600 });
    const bad: [string, string, number[]][] = [
      ["an option the poll does not have", single.id, [2]],
      ["the same option twice", single.id, [0, 0]],
      ["two options on a single-choice poll", single.id, [0, 1]],
      ["no option", single.id, []],
      ["an index past any poll", single.id, [4]],
      ["a negative index", single.id, [-1]],
      ["an option a multiple-choice poll does not have", multi.id, [0, 3]],
      ["the same option twice, multiple choice", multi.id, [1, 1]],
    ];
    for (const [what, postId, choices] of bad) {
      expect({ what, error: errorOf(await vote(voter, postId, choices)) }).toMatchObject({ what, error: { status: 400, code: "BAD_REQUEST" } });
      expectErrorData(await vote(voter, postId, choices), "BAD_REQUEST", { field: "choices" });
    }
    expectErrorData(await mutate(voter, "poll.vote", { postId: single.id, choices: [0.5] }), "BAD_REQUEST", { field: "choices.0" });
    const [n] = await sql()<{ n: number }[]>`SELECT count(*)::int AS n FROM poll_votes WHERE user_id = ${voter.id}`;
    expect(n!.n).toBe(0);
    // The right choices still go through.
    ok(await vote(voter, single.id, [1]));
    ok(await vote(voter, multi.id, [0, 1, 2]));
  });

  test("votes are final: a second vote is CONFLICT ALREADY_VOTED, whatever its choices, and changes nothing", async () => {
    const author = await user();
    const voter = await user();
    const post = await pollPost(author, { options: ["A", "B", "C"], multiple: true, expiresInSeconds: 600 });
    ok(await vote(voter, post.id, [0]));
    for (const choices of [[0], [1], [1, 2]]) {
      expectErrorData(await vote(voter, post.id, choices), "CONFLICT", { appCode: "ALREADY_VOTED" });
    }
    expect((await getPoll(voter, post.id))).toMatchObject({ votersCount: 1, votesCount: 1, viewer: { choices: [0] } });
    // Not even the database lets a vote change.
    await expect(sql()`UPDATE poll_votes SET choices = '{1}' WHERE user_id = ${voter.id}`).rejects.toThrow(/final/);
  });

  test("anonymous callers are UNAUTHORIZED; an inactive account cannot vote", async () => {
    const author = await user();
    const post = await pollPost(author);
    expectErrorData(await vote(null, post.id, [0]), "UNAUTHORIZED", { appCode: "SESSION_REQUIRED" });
    const suspended = await user({ status: "suspended" });
    expectErrorData(await vote(suspended, post.id, [0]), "UNAUTHORIZED");
    // Even past the session layer (a session cached in the instant before a suspension).
    await expect(votePoll(ctx.t.db, suspended.id, { postId: post.id, choices: [0] })).rejects.toMatchObject({ code: "UNAUTHORIZED", appCode: "SESSION_INVALID" });
    expect((await tallies(post.id)).rows).toBe(0);
  });
});

describe("what the voter may not see is NOT_FOUND, exactly as a missing post", () => {
  test("deleted, draft, blocked either way, followers-only not followed, private, suspended author, no poll", async () => {
    const voter = await user();
    const absent = errorOf(await vote(voter, "999999999", [0]));
    expect(absent).toEqual({ status: 404, code: "NOT_FOUND", appCode: null, message: "Poll not found" });
    const absentGet = errorOf(await query(voter, "poll.get", { postId: "999999999" }));
    expect(absentGet).toEqual(absent);

    const open = await user();
    const deleted = await pollPost(open);
    ok(await mutate(open, "post.delete", { postId: deleted.id }));
    const draft = await pollPost(open, twoColours, { status: "draft" });
    const blocker = await user();
    const blockerPost = await pollPost(blocker);
    await block(sql(), blocker.id, voter.id);
    const blockedByVoter = await user();
    const blockedPost = await pollPost(blockedByVoter);
    await block(sql(), voter.id, blockedByVoter.id);
    const locked = await user({ visibility: "followers" });
    const lockedPost = await pollPost(locked);
    const secret = await user({ visibility: "private" });
    const secretPost = await pollPost(secret);
    const gone = await user();
    const gonePost = await pollPost(gone);
    await sql()`UPDATE users SET status = 'suspended' WHERE id = ${gone.id}`;
    const plain = ok(await mutate(open, "post.create", { type: "text_short", content: "no poll here" }));

    const hidden: [string, string][] = [
      ["a deleted post", deleted.id],
      ["someone else's draft", draft.id],
      ["a post of an account that blocked the voter", blockerPost.id],
      ["a post of an account the voter blocked", blockedPost.id],
      ["a followers-only post of an account the voter does not follow", lockedPost.id],
      ["a private account's post", secretPost.id],
      ["a suspended author's post", gonePost.id],
      ["a post without a poll", plain.id],
    ];
    for (const [what, postId] of hidden) {
      expect({ what, vote: errorOf(await vote(voter, postId, [0])) }).toEqual({ what, vote: absent });
      expect({ what, get: errorOf(await query(voter, "poll.get", { postId })) }).toEqual({ what, get: absent });
    }
    // Not even its author votes in a draft's poll (it has not opened), though they see it.
    expect(errorOf(await vote(open, draft.id, [0]))).toEqual(absent);
    expect((await getPoll(open, draft.id)).expiresAt).toBeNull();
    const [n] = await sql()<{ n: number }[]>`SELECT count(*)::int AS n FROM poll_votes WHERE user_id IN (${voter.id}, ${open.id})`;
    expect(n!.n).toBe(0);
    // A follower of the followers-only account may vote.
    const follower = await user();
    await follow(sql(), follower.id, locked.id);
    ok(await vote(follower, lockedPost.id, [1]));
  });
});

describe("creating and editing polls", () => {
  test("post.create checks the poll: 2–4 distinct options of ≤ 100 characters, 5 minutes to 7 days; text posts only", async () => {
    const author = await user();
    const bad: Record<string, unknown>[] = [
      { options: ["only one"], expiresInSeconds: 600 },
      { options: ["a", "b", "c", "d", "e"], expiresInSeconds: 600 },
      { options: ["a", "x".repeat(101)], expiresInSeconds: 600 },
      { options: ["Same", "same"], expiresInSeconds: 600 },
      { options: ["a", "  "], expiresInSeconds: 600 },
      { options: ["a", "b"], expiresInSeconds: 299 },
      { options: ["a", "b"], expiresInSeconds: 7 * 86_400 + 1 },
      { options: ["a", "b"], expiresInSeconds: 600, extra: true },
    ];
    for (const poll of bad) {
      const res = await mutate(author, "post.create", { type: "text_short", content: "q", poll });
      expect({ poll, code: res.body?.error?.data?.code }).toEqual({ poll, code: "BAD_REQUEST" });
    }
    // The bounds themselves are fine.
    ok(await mutate(author, "post.create", { type: "text_long", content: "q", poll: { options: ["a", "x".repeat(100), "c", "d"], expiresInSeconds: 300 } }));
    ok(await mutate(author, "post.create", { type: "text_short", content: "q", poll: { options: ["a", "b"], expiresInSeconds: 7 * 86_400 } }));
    // Only text posts carry a poll (the service refuses others whatever calls it).
    const image = await createPost(sql(), author.id, { type: "image", content: null });
    await expect(ctx.t.db.transaction((tx) => createPoll(tx, { postId: image.id, poll: { options: ["a", "b"], multiple: false, expiresInSeconds: 600 } })))
      .rejects.toMatchObject({ code: "BAD_REQUEST", appCode: "POLL_NOT_ALLOWED", field: "poll" });
    // And the table refuses what the input boundary would: too many options, too long, blank, no tallies.
    const text = await createPost(sql(), author.id);
    const insert = (options: string[], votes: number[]) => sql()`
      INSERT INTO polls (post_id, options, duration_seconds, option_votes) VALUES (${text.id}, ${options}::text[], 600, ${votes}::int[])`;
    for (const [options, votes] of [
      [["a", "b", "c", "d", "e"], [0, 0, 0, 0, 0]], [["a"], [0]], [["a", "x".repeat(101)], [0, 0]], [["a", " "], [0, 0]], [["a", "b"], [0]],
    ] as [string[], number[]][]) {
      await expect(insert(options, votes)).rejects.toMatchObject({ code: "23514" });
    }
  });

  test("a draft's poll opens when the post is published: its clock starts then", async () => {
    const author = await user();
    const voter = await user();
    const draft = await pollPost(author, { options: ["Yes", "No"], expiresInSeconds: 600 }, { status: "draft" });
    expect(draft.poll).toMatchObject({ expiresAt: null, expired: false });
    // Time passes while it is a draft: the poll must not have been running.
    await sql()`UPDATE polls SET created_at = NOW() - interval '1 day' WHERE post_id = ${draft.id}`;
    const published = ok(await mutate(author, "post.publish", { postId: draft.id }));
    const left = Date.parse(published.poll.expiresAt) - Date.now();
    expect(left).toBeGreaterThan(500_000);
    expect(left).toBeLessThanOrEqual(600_000);
    ok(await vote(voter, draft.id, [0]));
    // A scheduled post's poll likewise (the scheduler publishes with an UPDATE of status).
    const scheduled = await pollPost(author, twoColours, { status: "scheduled", scheduledFor: new Date(Date.now() + 3_600_000).toISOString() });
    expect(scheduled.poll.expiresAt).toBeNull();
    await sql()`UPDATE posts SET status = 'published', published_at = NOW() WHERE id = ${scheduled.id}`;
    expect(Date.parse((await getPoll(voter, scheduled.id)).expiresAt) - Date.now()).toBeGreaterThan(3500_000);
  });

  test("post.update: the same options keep the votes; other options or kind reset them; null removes the poll", async () => {
    const author = await user();
    const [a, b] = await users(2);
    const post = await pollPost(author, { options: ["A", "B"], expiresInSeconds: 600 });
    ok(await vote(a, post.id, [0]));
    ok(await vote(b, post.id, [1]));
    const before = await getPoll(author, post.id);
    // Same options and kind (a text edit re-sending the poll): votes and end kept.
    const same = ok(await mutate(author, "post.update", { postId: post.id, content: "edited", poll: { options: ["A", "B"], expiresInSeconds: 86_400 } })).poll;
    expect(same).toEqual(before);
    // Another option: the votes go, everyone may vote again, the clock restarts.
    const changed = ok(await mutate(author, "post.update", { postId: post.id, poll: { options: ["A", "B", "C"], expiresInSeconds: 86_400 } })).poll;
    expect(changed).toMatchObject({ id: before.id, votersCount: 0, votesCount: 0, options: [{ votesCount: 0 }, { votesCount: 0 }, { votesCount: 0 }] });
    expect(Date.parse(changed.expiresAt) - Date.now()).toBeGreaterThan(86_000_000);
    expect((await getPoll(a, post.id)).viewer).toEqual({ voted: false, choices: [] });
    ok(await vote(a, post.id, [2]));
    // Single to multiple choice is a change too.
    const multi = ok(await mutate(author, "post.update", { postId: post.id, poll: { options: ["A", "B", "C"], multiple: true, expiresInSeconds: 600 } })).poll;
    expect(multi).toMatchObject({ multiple: true, votersCount: 0 });
    expectExact(await tallies(post.id));
    // null: no poll any more.
    expect(ok(await mutate(author, "post.update", { postId: post.id, poll: null })).poll).toBeNull();
    expect(await pollOptionsOf(ctx.t.db, post.id)).toBeNull();
  });

  test("replacePoll and pollOptionsOf answer what the edit history needs", async () => {
    const author = await user();
    const voter = await user();
    const post = await createPost(sql(), author.id);
    const db = ctx.t.db;
    const poll = (options: string[], multiple = false) => ({ options, multiple, expiresInSeconds: 600 });
    expect(await db.transaction((tx) => replacePoll(tx, { postId: post.id, poll: null }))).toEqual({ changed: false, previousOptions: null });
    expect(await db.transaction((tx) => replacePoll(tx, { postId: post.id, poll: poll(["x", "y"]) }))).toEqual({ changed: true, previousOptions: null });
    expect(await pollOptionsOf(db, post.id)).toEqual(["x", "y"]);
    await votePoll(db, voter.id, { postId: post.id, choices: [1] });
    expect(await db.transaction((tx) => replacePoll(tx, { postId: post.id, poll: poll(["x", "y"]) }))).toEqual({ changed: false, previousOptions: ["x", "y"] });
    expect((await tallies(post.id)).voters).toBe(1);
    expect(await db.transaction((tx) => replacePoll(tx, { postId: post.id, poll: poll(["x", "y"], true) }))).toEqual({ changed: true, previousOptions: ["x", "y"] });
    expect((await tallies(post.id)).rows).toBe(0);
    expect(await db.transaction((tx) => replacePoll(tx, { postId: post.id, poll: poll(["y", "x"], true) }))).toEqual({ changed: true, previousOptions: ["x", "y"] });
    expect(await db.transaction((tx) => replacePoll(tx, { postId: post.id, poll: null }))).toEqual({ changed: true, previousOptions: ["y", "x"] });
    expect((await pollsFor(db, author.id, [post.id])).size).toBe(0);
  });

  test("tallies follow the vote rows when an account is purged; a hard-deleted post takes its poll along", async () => {
    const author = await user();
    const voters = await users(3);
    const post = await pollPost(author, { options: ["A", "B", "C"], multiple: true, expiresInSeconds: 600 });
    for (const [i, v] of voters.entries()) ok(await vote(v, post.id, i === 0 ? [0, 1, 2] : [i]));
    await sql()`DELETE FROM users WHERE id = ${voters[0]!.id}`;
    const t = await tallies(post.id);
    expectExact(t);
    expect({ voters: t.voters, per: t.per }).toEqual({ voters: 2, per: [0, 1, 1] });
    await sql()`DELETE FROM posts WHERE id = ${post.id}`;
    const [n] = await sql()<{ polls: number; votes: number }[]>`
      SELECT (SELECT count(*)::int FROM polls WHERE post_id = ${post.id}) AS polls,
             (SELECT count(*)::int FROM poll_votes WHERE user_id = ${voters[1]!.id}) AS votes`;
    expect(n).toEqual({ polls: 0, votes: 0 });
  });
});

describe("exact tallies under concurrency", () => {
  test.skipIf(!canRunConcurrently)("200 accounts voting at once over HTTP: the tallies equal the vote rows", async () => {
    const author = await user();
    const post = await pollPost(author, { options: ["A", "B", "C", "D"], multiple: true, expiresInSeconds: 3600 });
    const voters: Authed[] = [];
    for (let i = 0; i < 200; i += 50) voters.push(...(await Promise.all(Array.from({ length: 50 }, () => createUserWithToken(sql())))));
    // A fixed pseudo-random non-empty subset of the four options per voter.
    let seed = 19;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const ballots = voters.map(() => {
      const mask = (rand() % 15) + 1;
      return [0, 1, 2, 3].filter((i) => mask & (1 << i));
    });
    const results = await Promise.all(voters.map((v, i) => vote(v, post.id, ballots[i]!)));
    expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    const t = await tallies(post.id);
    expectExact(t);
    const expected = [0, 1, 2, 3].map((i) => ballots.filter((b) => b.includes(i)).length);
    expect({ voters: t.voters, votes: t.votes, per: t.per }).toEqual({ voters: 200, votes: ballots.flat().length, per: expected });
    const seen = await getPoll(author, post.id);
    expect({ voters: seen.votersCount, votes: seen.votesCount, per: seen.options.map((o: any) => o.votesCount) })
      .toEqual({ voters: 200, votes: ballots.flat().length, per: expected });
  });

  test.skipIf(!canRunConcurrently)("one account voting 20 times at once, with different choices: exactly one vote", async () => {
    const author = await user();
    const voter = await user();
    const post = await pollPost(author, { options: ["A", "B", "C"], multiple: true, expiresInSeconds: 3600 });
    const ballots = Array.from({ length: 20 }, (_, i) => [[0], [1], [2], [0, 1], [1, 2]][i % 5]!);
    const results = await Promise.all(ballots.map((b) => vote(voter, post.id, b)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).map((r) => [r.status, r.body?.error?.data?.appCode])).toEqual(
      Array.from({ length: 19 }, () => [409, "ALREADY_VOTED"]));
    const t = await tallies(post.id);
    expectExact(t);
    expect(t.rows).toBe(1);
    const winner = ok(results.find((r) => r.status === 200)!).poll.viewer.choices;
    expect((await getPoll(voter, post.id)).viewer).toEqual({ voted: true, choices: winner });
  });
});

describe("the poll-ended job", () => {
  test("the author and each voter who may still see the post get one 'poll' notification, once, whoever runs the job", async () => {
    const author = await user();
    const [fan, blockedLater, suspendedLater, unaffected] = await users(4);
    const post = await pollPost(author);
    ok(await vote(fan, post.id, [0]));
    ok(await vote(blockedLater, post.id, [1]));
    ok(await vote(suspendedLater, post.id, [1]));
    ok(await vote(author, post.id, [0]));
    // A followers-only author's poll: a voter who stops following loses the post, and the notice.
    const locked = await user({ visibility: "followers" });
    const [stays, leaves] = await users(2);
    await follow(sql(), stays.id, locked.id);
    await follow(sql(), leaves.id, locked.id);
    const lockedPost = await pollPost(locked, { options: ["A", "B"], multiple: true, expiresInSeconds: 300 });
    ok(await vote(stays, lockedPost.id, [0, 1]));
    ok(await vote(leaves, lockedPost.id, [0]));
    // A deleted post's poll, one still running and a draft's: nothing to announce.
    const deleted = await pollPost(author);
    ok(await vote(fan, deleted.id, [0]));
    ok(await mutate(author, "post.delete", { postId: deleted.id }));
    const running = await pollPost(author);
    ok(await vote(unaffected, running.id, [0]));
    const draft = await pollPost(author, twoColours, { status: "draft" });

    // Nothing of these has ended yet (the polls earlier tests ended are announced first).
    await notifyEndedPolls(ctx.t.db);
    expect(await notifyEndedPolls(ctx.t.db)).toEqual({ polls: 0, notifications: 0 });
    await block(sql(), author.id, blockedLater.id);
    await sql()`UPDATE users SET status = 'suspended' WHERE id = ${suspendedLater.id}`;
    await sql()`DELETE FROM user_follows WHERE follower_id = ${leaves.id} AND following_id = ${locked.id}`;
    for (const p of [post, lockedPost, deleted]) await endPoll(p.id);

    // Two "processes" at once, one poll per batch so that they interleave, then the scheduled job twice.
    const [one, two] = await Promise.all([notifyEndedPolls(ctx.t.db, { batch: 1 }), notifyEndedPolls(ctx.t.db, { batch: 1 })]);
    expect(one.polls + two.polls).toBe(3);
    expect(one.notifications + two.notifications).toBe(4);
    expect(await runJobOnce(ctx.s.deps, pollEndedJob)).toBeUndefined();
    expect(await runJobOnce(ctx.s.deps, pollEndedJob)).toBeUndefined();

    const sorted = (rows: { user_id: string; title: string }[]) => rows.sort((x, y) => Number(x.user_id) - Number(y.user_id));
    expect(await pollNotifications(post.id)).toEqual(sorted([
      { user_id: author.id, title: POLL_ENDED_TITLE.author },
      { user_id: fan.id, title: POLL_ENDED_TITLE.voter },
    ]));
    expect(await pollNotifications(lockedPost.id)).toEqual(sorted([
      { user_id: locked.id, title: POLL_ENDED_TITLE.author },
      { user_id: stays.id, title: POLL_ENDED_TITLE.voter },
    ]));
    expect(await pollNotifications(deleted.id)).toEqual([]);
    expect(await pollNotifications(running.id)).toEqual([]);
    expect(await pollNotifications(draft.id)).toEqual([]);
    // The notification as its recipient reads it: no actor, a link to the post.
    const list = ok(await query(fan, "notification.list", { limit: 10 }));
    expect(list.items.filter((n: any) => n.type === "poll")).toEqual([
      expect.objectContaining({ type: "poll", title: POLL_ENDED_TITLE.voter, postId: post.id, actor: null, actionUrl: `/posts/${post.id}` }),
    ]);
    const [marked] = await sql()<{ n: number }[]>`
      SELECT count(*)::int AS n FROM polls WHERE ended_notified_at IS NOT NULL AND post_id IN (${post.id}, ${lockedPost.id}, ${deleted.id})`;
    expect(marked!.n).toBe(3);
  });

  test("a poll edited after it was announced is announced again when its new run ends", async () => {
    const author = await user();
    const voter = await user();
    await notifyEndedPolls(ctx.t.db); // whatever earlier tests ended
    const post = await pollPost(author);
    ok(await vote(voter, post.id, [0]));
    await endPoll(post.id);
    expect(await notifyEndedPolls(ctx.t.db)).toMatchObject({ polls: 1, notifications: 2 });
    ok(await mutate(author, "post.update", { postId: post.id, poll: { options: ["Green", "Blue"], expiresInSeconds: 300 } }));
    ok(await vote(voter, post.id, [1]));
    expect(await notifyEndedPolls(ctx.t.db)).toEqual({ polls: 0, notifications: 0 });
    await endPoll(post.id);
    expect(await notifyEndedPolls(ctx.t.db)).toMatchObject({ polls: 1, notifications: 2 });
    expect((await pollNotifications(post.id)).length).toBe(4);
  });

  test.skipIf(!canRunConcurrently)("a vote waiting behind the job's claim is refused, never counted after the announcement", async () => {
    const author = await user();
    const voter = await user();
    const post = await pollPost(author);
    // The claim is in flight (its transaction holds the poll's row) while the clock still says open:
    // the vote waits on the row lock, then sees the claim and is refused.
    let pending: ReturnType<typeof vote> | undefined;
    await sql().begin(async (tx) => {
      await tx`UPDATE polls SET ended_notified_at = NOW() WHERE post_id = ${post.id}`;
      pending = vote(voter, post.id, [0]);
      await Bun.sleep(300);
    });
    expectErrorData(await pending!, "BAD_REQUEST", { appCode: "POLL_EXPIRED" });
    expect((await tallies(post.id)).rows).toBe(0);
  });
});
