// The public pages (GET /@:username, GET /@:username/posts/:id) over real HTTP: the visibility
// policy as status codes (one 404 page for "does not exist" and "may not see"), the CSP and its
// per-response nonce, the embed allow-list, private-address URLs never rendered as media or
// embeds, user text escaped, and feed sections answering what feed.execute answers.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { block, createPost, createUserWithToken, follow } from "../helpers/factories";
import { type Authed, ok, rpc, useServer } from "../helpers/server";
import { embedFor } from "../../src/pages/embeds";
import { isPrivateHost } from "../../src/pages/safe-url";
import { contrastRatio, readableOn } from "../../src/pages/contrast";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

async function page(path: string, viewer?: Authed | null) {
  const res = await fetch(`${ctx.s.url}${path}`, { headers: viewer ? { cookie: `vrss_session=${viewer.token}` } : {} });
  return { status: res.status, html: await res.text(), headers: res.headers };
}
const mutate = (path: string, input: unknown, who: Authed) => rpc(ctx.s.url, path, input, { token: who.token });
const query = (path: string, input: unknown, who?: Authed | null) => rpc(ctx.s.url, path, input, { method: "GET", token: who?.token });
const user = (opts: Parameters<typeof createUserWithToken>[1] = {}) => createUserWithToken(ctx.t.sql, opts);
/** The 404 page without its nonce: identical whatever the reason. */
const withoutNonce = (html: string) => html.replace(/nonce="[^"]+"/g, 'nonce=""');
/** The HTML of the section with this id (sections never nest). */
function sectionHtml(html: string, sectionId: string): string {
  const start = html.indexOf(`data-section-id="${sectionId}"`);
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf("</section>", start));
}
async function sectionWith(owner: Authed, type: string, items: Record<string, unknown>[], config: Record<string, unknown> = {}, title = "Section") {
  const section = ok(await mutate("section.create", { type, title, config }, owner));
  for (const item of items) ok(await mutate("section.addContent", { sectionId: section.id, ...item }, owner));
  return section.id as string;
}

describe("visibility", () => {
  test("a public profile renders the DOM contract, for anyone", async () => {
    const owner = await user({ displayName: "Public Person" });
    const post = await createPost(ctx.t.sql, owner.id, { content: "hello page" });
    const res = await page(`/@${owner.username}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    for (const fragment of [
      '<body class="vrss-page">', '<header id="vrss-site-header" class="vrss-chrome">', '<a id="vrss-home" href="/">VRSS</a>',
      '<button id="vrss-site-action" type="button"', '<main id="vrss-profile-frame">',
      `<div id="vrss-profile" class="vrss-profile vrss-profile-${owner.id}"`, '<footer id="vrss-site-footer" class="vrss-chrome">',
      '<button id="vrss-report" type="button"', `data-post-id="${post.id}"`, "Public Person", "hello page",
    ]) expect(res.html).toContain(fragment);
    // The username is case-insensitive, like user.get.
    expect((await page(`/@${owner.username.toUpperCase()}`)).status).toBe(200);
  });

  test("missing, suspended, deleted and malformed are the same 404 page", async () => {
    const suspended = await user({ status: "suspended" });
    const deleted = await user({ status: "deleted" });
    const missing = await page("/@no_such_user_here");
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('<main id="vrss-profile-frame">');
    for (const path of [`/@${suspended.username}`, `/@${deleted.username}`, "/@x", "/@bad%3Cname%3E"]) {
      const res = await page(path);
      expect(res.status).toBe(404);
      expect(withoutNonce(res.html)).toBe(withoutNonce(missing.html));
    }
  });

  test("private: the owner only; followers-only: followers and the owner", async () => {
    const privateOwner = await user({ visibility: "private" });
    const fOwner = await user({ visibility: "followers" });
    const follower = await user();
    const stranger = await user();
    await follow(ctx.t.sql, follower.id, fOwner.id);
    await follow(ctx.t.sql, follower.id, privateOwner.id);
    const notFound = withoutNonce((await page("/@no_such_user_here")).html);
    for (const [path, viewer] of [
      [`/@${privateOwner.username}`, null], [`/@${privateOwner.username}`, stranger], [`/@${privateOwner.username}`, follower],
      [`/@${fOwner.username}`, null], [`/@${fOwner.username}`, stranger],
    ] as const) {
      const res = await page(path, viewer);
      expect(res.status).toBe(404);
      // The site header names the viewer; the rest is the one 404 page.
      if (!viewer) expect(withoutNonce(res.html)).toBe(notFound);
    }
    expect((await page(`/@${privateOwner.username}`, privateOwner)).status).toBe(200);
    expect((await page(`/@${fOwner.username}`, follower)).status).toBe(200);
    expect((await page(`/@${fOwner.username}`, fOwner)).status).toBe(200);
    // A stale cookie is anonymous, not an error.
    const stale = { ...follower, token: "not-a-session" };
    expect((await page(`/@${fOwner.username}`, stale)).status).toBe(404);
  });

  test("blocks either way are 404, for the profile and its posts", async () => {
    const owner = await user();
    const blockedByOwner = await user();
    const blocker = await user();
    const post = await createPost(ctx.t.sql, owner.id);
    await block(ctx.t.sql, owner.id, blockedByOwner.id);
    await block(ctx.t.sql, blocker.id, owner.id);
    for (const viewer of [blockedByOwner, blocker]) {
      expect((await page(`/@${owner.username}`, viewer)).status).toBe(404);
      expect((await page(`/@${owner.username}/posts/${post.id}`, viewer)).status).toBe(404);
    }
    expect((await page(`/@${owner.username}/posts/${post.id}`)).status).toBe(200);
  });

  test("post pages: published with its comments; drafts, scheduled, deleted and foreign paths are 404", async () => {
    const author = await user();
    const other = await user();
    const commenter = await user({ displayName: "Commenter" });
    const published = await createPost(ctx.t.sql, author.id, { content: "the post body" });
    const draft = await createPost(ctx.t.sql, author.id, { status: "draft" });
    const scheduled = await createPost(ctx.t.sql, author.id, { status: "scheduled" });
    const deleted = await createPost(ctx.t.sql, author.id);
    await ctx.t.sql`UPDATE posts SET deleted_at = NOW() WHERE id = ${deleted.id}`;
    const top = ok(await mutate("comment.create", { postId: published.id, content: "first comment" }, commenter));
    ok(await mutate("comment.create", { postId: published.id, content: "a reply", parentCommentId: top.id }, author));
    const res = await page(`/@${author.username}/posts/${published.id}`);
    expect(res.status).toBe(200);
    expect(res.html).toContain("the post body");
    expect(res.html).toContain("first comment");
    expect(res.html).toContain("a reply");
    expect(res.html).toContain(`data-comment-id="${top.id}"`);
    for (const viewer of [null, author]) {
      for (const id of [draft.id, scheduled.id, deleted.id]) expect((await page(`/@${author.username}/posts/${id}`, viewer)).status).toBe(404);
    }
    expect((await page(`/@${other.username}/posts/${published.id}`)).status).toBe(404);
    expect((await page(`/@${author.username}/posts/0`)).status).toBe(404);
    expect((await page(`/@${author.username}/posts/abc`)).status).toBe(404);
    // Drafts never appear in the profile's posts either.
    expect((await page(`/@${author.username}`, author)).html).not.toContain(`data-post-id="${draft.id}"`);
  });
});

describe("headers", () => {
  test("CSP with a fresh nonce per response, on every style and script tag", async () => {
    const owner = await user();
    const a = await page(`/@${owner.username}`);
    const b = await page(`/@${owner.username}`);
    const csp = a.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(nonce).not.toBe(/'nonce-([^']+)'/.exec(b.headers.get("content-security-policy")!)![1]);
    const media = new URL(ctx.s.deps.media.publicBaseUrl).origin;
    expect(csp).toBe([
      "default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'self' 'nonce-${nonce}'`, `img-src 'self' ${media}`,
      `media-src 'self' ${media}`, "frame-src https://www.youtube-nocookie.com https://w.soundcloud.com https://bandcamp.com",
      "font-src 'self'", "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
    ].join("; "));
    const tags = [...a.html.matchAll(/<(style|script)\b[^>]*>/g)].map((m) => m[0]);
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`);
    expect(a.html).not.toMatch(/\sstyle="/); // no inline style attributes (they would need 'unsafe-inline')
    expect(a.html).toContain("@keyframes vrss-site-pulse");
    expect(a.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    expect(a.headers.get("cache-control")).toBe("private, no-store");
    const missing = await page("/@no_such_user_here");
    expect(missing.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  test("the stored sanitized CSS is inlined in the nonce'd style, scoped to the profile element", async () => {
    const owner = await user();
    const style = ok(await mutate("user.updateStyle", { primaryColor: "#112233", font: "Lora", customCSS: "h2 { color: red } body { background: blue }" }, owner));
    const res = await page(`/@${owner.username}`);
    const css = style.style.customCSS as string;
    expect(css).toContain(`.vrss-profile-${owner.id}`);
    expect(res.html).toContain(css);
    expect(res.html).toContain(`--vrss-primary:#112233`);
    expect(res.html).toContain(`font-family:"Lora"`);
  });

  test("CSS stored by an older sanitizer is sanitized again before a page inlines it", async () => {
    const owner = await user();
    // As the first sanitizer left it: scoped, but running the site's own keyframes.
    const legacy = `.vrss-profile-${owner.id} h1{animation:vrss-site-pulse 1s infinite;color:red}`;
    await ctx.t.sql`UPDATE user_profiles SET style_config = ${JSON.stringify({ customCSS: legacy })}::jsonb WHERE user_id = ${owner.id}`;
    const res = await page(`/@${owner.username}`);
    expect(res.status).toBe(200);
    const profileCss = /id="vrss-profile-css">([^<]*)<\/style>/.exec(res.html)![1]!;
    expect(profileCss).toContain(`.vrss-profile-${owner.id} h1{color:red}`);
    expect(profileCss).not.toContain("vrss-site-pulse");
  });

  test("the owner's colours are used where they are readable, else dark or light text (WCAG 4.5:1)", async () => {
    const owner = await user();
    const scope = `.vrss-profile-${owner.id}{`;
    const scopeRule = (html: string) => html.slice(html.indexOf(scope), html.indexOf("}", html.indexOf(scope)));
    // Violet on violet (a seeded profile's problem): the text becomes white, the variable stays.
    ok(await mutate("user.updateBackground", { type: "color", value: "#4c1d95" }, owner));
    ok(await mutate("user.updateStyle", { primaryColor: "#6d28d9", accentColor: "#7c3aed" }, owner));
    let rule = scopeRule((await page(`/@${owner.username}`)).html);
    expect(rule).toContain("--vrss-primary:#6d28d9");
    expect(rule).toContain("color:#ffffff");
    // A readable pair is the owner's choice, kept.
    ok(await mutate("user.updateBackground", { type: "color", value: "#fef3c7" }, owner));
    ok(await mutate("user.updateStyle", { primaryColor: "#7c2d12" }, owner));
    rule = scopeRule((await page(`/@${owner.username}`)).html);
    expect(rule).toContain("color:#7c2d12");
    // Pale text on a pale background: near-black.
    ok(await mutate("user.updateStyle", { primaryColor: "#fde68a" }, owner));
    rule = scopeRule((await page(`/@${owner.username}`)).html);
    expect(rule).toContain("color:#1b1f29");
  });
});

describe("embeds and URLs", () => {
  test("allow-listed players become sandboxed iframes; anything else a plain nofollow link", async () => {
    const owner = await user();
    const sid = await sectionWith(owner, "video", [
      { contentType: "embed", title: "YT", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1" },
      { contentType: "embed", title: "Short", url: "https://youtu.be/dQw4w9WgXcQ" },
      { contentType: "embed", title: "SC", url: "https://soundcloud.com/artist/track-name" },
      { contentType: "embed", title: "BC", url: "https://bandcamp.com/EmbeddedPlayer/album=12345/size=large/bgcol=ffffff/" },
      { contentType: "embed", title: "Lookalike", url: "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ" },
      { contentType: "embed", title: "Elsewhere", url: "https://video.example.com/watch?v=dQw4w9WgXcQ" },
    ]);
    const html = sectionHtml((await page(`/@${owner.username}`)).html, sid);
    const frames = [...html.matchAll(/<iframe[^>]*>/g)].map((m) => m[0]);
    expect(frames.map((f) => /src="([^"]+)"/.exec(f)![1])).toEqual([
      "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
      "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
      "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fartist%2Ftrack-name&amp;visual=true",
      "https://bandcamp.com/EmbeddedPlayer/album=12345/size=large/bgcol=ffffff/",
    ]);
    for (const f of frames) {
      expect(f).toContain('sandbox="allow-scripts allow-same-origin allow-presentation"');
      expect(f).toContain('loading="lazy"');
      expect(f).toContain("referrerpolicy=");
    }
    expect(html).toContain('<a class="vrss-embed-link" href="https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ" rel="nofollow noopener ugc">Lookalike</a>');
    expect(html).toContain('href="https://video.example.com/watch?v=dQw4w9WgXcQ" rel="nofollow noopener ugc"');
  });

  test("URLs into private networks are never media, embeds or links; our own store is rendered", async () => {
    const owner = await user();
    const own = `${ctx.s.deps.media.publicBaseUrl}/users/${owner.id}/profile/pic.jpg`;
    const privateUrls = [
      "http://127.0.0.1/a.png", "http://10.1.2.3/a.png", "http://172.20.0.1/a.png", "http://192.168.1.1/a.png", "http://169.254.169.254/latest",
      "http://localhost:8080/a.png", "http://api.localhost/a.png", "http://0.0.0.0/a.png", "http://[::1]/a.png", "http://[fd00::1]/a.png",
      "http://[fe80::1]/a.png", "http://[::ffff:127.0.0.1]/a.png", "http://2130706433/a.png", "http://0x7f.1/a.png",
    ];
    const sid = await sectionWith(owner, "gallery", [
      { contentType: "image", title: "mine", url: own },
      ...privateUrls.flatMap((url) => [{ contentType: "image", url }, { contentType: "embed", url }, { contentType: "link", title: "L", url }]),
    ]);
    const html = sectionHtml((await page(`/@${owner.username}`)).html, sid);
    expect(html).toContain(`<img class="vrss-image" src="${own}"`);
    expect([...html.matchAll(/<img\b/g)].length).toBe(1);
    expect(html).not.toContain("<iframe");
    expect([...html.matchAll(/<a\b/g)].length).toBe(0);
    // An external (public) image is not ours: a link, never an <img> the CSP would block anyway.
    const ext = await sectionWith(owner, "static_image", [{ contentType: "image", title: "ext", url: "https://images.example.com/a.png" }]);
    const extHtml = sectionHtml((await page(`/@${owner.username}`)).html, ext);
    expect(extHtml).not.toContain("<img");
    expect(extHtml).toContain('href="https://images.example.com/a.png" rel="nofollow noopener ugc"');
  });

  test("isPrivateHost and embedFor decide on the parsed URL", () => {
    for (const h of ["localhost", "a.localhost", "127.8.9.1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.1.1", "0.0.0.0", "[::1]", "[fc00::1]", "[fdff::1]", "[fe80::1]", "[febf::1]", "[::ffff:7f00:1]", "[::ffff:192.168.1.1]", "[::]"]) {
      expect(isPrivateHost(h)).toBe(true);
    }
    for (const h of ["example.com", "172.32.0.1", "172.15.0.1", "8.8.8.8", "192.169.0.1", "[2001:db8::1]", "[::ffff:8.8.8.8]", "localhost.example.com"]) {
      expect(isPrivateHost(h)).toBe(false);
    }
    expect(embedFor("https://www.youtube.com/watch?v=short")).toBeNull();
    expect(embedFor("javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ")).toBeNull();
    expect(embedFor("https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ")).toBeNull();
    expect(embedFor("https://bandcamp.com/EmbeddedPlayer/album=1/onload=alert/")).toBeNull();
    expect(embedFor("https://artist.bandcamp.com/album/x")).toBeNull();
    expect(embedFor("https://soundcloud.com/a/b?secret_token=x")?.src).toBe("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fa%2Fb&visual=true");
  });
});

describe("escaping", () => {
  test("XSS payloads in profile fields, posts, comments and sections are text", async () => {
    const payload = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`;
    const owner = await user();
    ok(await mutate("user.updateProfile", { displayName: payload.slice(0, 90), bio: payload, location: payload.slice(0, 90) }, owner));
    const post = await createPost(ctx.t.sql, owner.id, { content: payload });
    ok(await mutate("comment.create", { postId: post.id, content: payload }, owner));
    await sectionWith(owner, "static_text", [{ contentType: "text", content: payload }], {}, payload.slice(0, 90));
    await sectionWith(owner, "links", [{ contentType: "link", title: payload, url: "https://example.com/?q=\"><script>" }]);
    for (const path of [`/@${owner.username}`, `/@${owner.username}/posts/${post.id}`]) {
      const { status, html } = await page(path);
      expect(status).toBe(200);
      expect(html).not.toContain("<script>alert");
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect([...html.matchAll(/<script\b/g)].length).toBe(1); // ours only
    }
  });
});

describe("feed sections", () => {
  test("render what feed.execute answers for the same config, for each viewer", async () => {
    const owner = await user();
    const friend = await user({ visibility: "followers" });
    const viewer = await user();
    await follow(ctx.t.sql, viewer.id, friend.id);
    await follow(ctx.t.sql, owner.id, friend.id);
    const tag = `pg${Date.now().toString(36)}`;
    for (const [author, n] of [[owner, 3], [friend, 2]] as const) {
      for (let i = 0; i < n; i++) ok(await mutate("post.create", { type: "text_short", content: `post ${i} #${tag}` }, author));
    }
    const config = { filters: [{ type: "tag", operator: "equals", value: tag }], sort: "recent" };
    const feed = ok(await mutate("feed.create", { name: "Tagged", algorithmConfig: config }, owner));
    const sid = await sectionWith(owner, "feed", [], { ...config, layout: "grid" }, "Tagged posts");
    for (const who of [null, viewer, owner]) {
      const executed = ok(await query("feed.execute", { feedId: feed.id, limit: 12 }, who));
      const section = ok(await query("section.feed", { sectionId: sid, limit: 12 }, who));
      expect(section.items).toEqual(executed.items);
      const html = sectionHtml((await page(`/@${owner.username}`, who)).html, sid);
      const rendered = [...html.matchAll(/data-post-id="(\d+)"/g)].map((m) => m[1]);
      expect(rendered).toEqual(executed.items.map((i: { post: { id: string } }) => i.post.id));
    }
    // The follower of the followers-only author sees their posts; anonymous visitors do not.
    expect(ok(await query("section.feed", { sectionId: sid }, viewer)).items.length).toBe(5);
    expect(ok(await query("section.feed", { sectionId: sid })).items.length).toBe(3);
  });
});

describe("contrast", () => {
  test("WCAG ratios of known pairs", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#fff", "#ffffff")).toBeCloseTo(1, 5);
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2); // the classic AA grey
    expect(contrastRatio("not a colour", "#ffffff")).toBe(1);
    expect(readableOn("#000000", "#777777")).toBe("#777777"); // 4.69:1 on black
    expect(readableOn("#ffffff", "#777777")).toBe("#1b1f29"); // 4.48:1 on white: not enough
    expect(readableOn("#ffffff", "#777777", 3)).toBe("#777777");
  });
});
