// Posts of all nine kinds with their media. Text goes through JSX (escaped); media only from our
// own store (the CSP allows no other), anything else is at most a link.
import type { TimelineItem } from "../modules/feed/feed.timeline";
import type { PostView } from "../modules/post/post.queries";
import { linkHref, mediaSrc } from "./safe-url";

type Media = PostView["media"][number];

const dateText = (iso: string | null) => (iso ? iso.slice(0, 10) : "");

function MediaItem(props: { m: Media; mediaBase: URL; kind: PostView["type"] }) {
  const { m, mediaBase } = props;
  const src = mediaSrc(m.url, mediaBase);
  if (!src) {
    // Not a file of our store (never expected for post media): a link when it is safe, else text.
    const href = linkHref(m.url, mediaBase);
    return href ? <a href={href} rel="nofollow noopener ugc">{m.type} file</a> : <span class="vrss-unsafe-url">[media unavailable]</span>;
  }
  const poster = mediaSrc(m.thumbnailUrl, mediaBase) ?? undefined;
  const size = { width: m.width ?? undefined, height: m.height ?? undefined };
  switch (m.type) {
    case "image":
    case "gif":
      return <img src={src} alt="" loading="lazy" decoding="async" {...size} />;
    case "video":
      return <video src={src} controls preload="metadata" playsinline poster={poster} {...size} />;
    case "audio":
      return <audio src={src} controls preload="none" />;
    default:
      return null;
  }
}

export function PostMedia(props: { post: PostView; mediaBase: URL }) {
  const { post, mediaBase } = props;
  if (post.media.length === 0) return null;
  const gallery = post.type === "image_gallery" || post.type === "album";
  return (
    <div class={`vrss-media ${gallery ? "vrss-grid" : ""}`}>
      {post.media.map((m) => (
        <figure class={`vrss-media-item vrss-media-${m.type}`} data-media-id={m.id}>
          <MediaItem m={m} mediaBase={mediaBase} kind={post.type} />
        </figure>
      ))}
    </div>
  );
}

function PostBody(props: { post: Pick<PostView, "content" | "media" | "type" | "poll">; mediaBase: URL }) {
  const { post } = props;
  return (
    <>
      {post.content ? <div class="vrss-post-content vrss-bio">{post.content}</div> : null}
      <PostMedia post={post as PostView} mediaBase={props.mediaBase} />
      {post.poll ? (
        <ul class="vrss-poll" data-poll-id={post.poll.id}>
          {post.poll.options.map((o) => <li>{o.title}{o.votesCount === null ? null : ` — ${o.votesCount}`}</li>)}
        </ul>
      ) : null}
    </>
  );
}

/** The post a post quotes, as the reader may see it (post.extras.ts decided). */
function QuotedPost(props: { quote: NonNullable<PostView["quote"]>; mediaBase: URL }) {
  const q = props.quote.post;
  if (!q) return <blockquote class="vrss-quote vrss-quote-missing">{props.quote.state === "detached" ? "Removed by its author" : "Post unavailable"}</blockquote>;
  return (
    <blockquote class="vrss-quote" data-post-id={q.id}>
      <p class="vrss-post-meta"><a href={`/@${encodeURIComponent(q.author.username)}/posts/${q.id}`}>{q.author.displayName ?? q.author.username}</a></p>
      {q.spoilerText ? (
        <details class="vrss-cw"><summary class="vrss-cw-summary">{q.spoilerText}</summary><PostBody post={q} mediaBase={props.mediaBase} /></details>
      ) : <PostBody post={q} mediaBase={props.mediaBase} />}
    </blockquote>
  );
}

/** One post, or a repost of one, as an article; `link` adds the permalink to its page. */
export function PostCard(props: { item: TimelineItem; mediaBase: URL; full?: boolean }) {
  const { post, repost } = props.item;
  const permalink = `/@${encodeURIComponent(post.author.username)}/posts/${post.id}`;
  return (
    <article class={`vrss-post vrss-post-${post.type}`} data-post-id={post.id} data-item-id={props.item.id}>
      {repost ? (
        <p class="vrss-post-meta vrss-repost">
          Reposted by <a href={`/@${encodeURIComponent(repost.by.username)}`}>@{repost.by.username}</a>
          {repost.comment ? <span class="vrss-repost-comment">: {repost.comment}</span> : null}
        </p>
      ) : null}
      <p class="vrss-post-meta">
        <a href={`/@${encodeURIComponent(post.author.username)}`}>{post.author.displayName ?? post.author.username}</a>
        {" · "}
        <a href={permalink}><time datetime={post.publishedAt ?? post.createdAt}>{dateText(post.publishedAt ?? post.createdAt)}</time></a>
      </p>
      {post.pinned && !repost ? <p class="vrss-post-meta vrss-pinned">Pinned</p> : null}
      {post.title ? <h3 class="vrss-post-title">{post.title}</h3> : null}
      {post.spoilerText ? (
        // A content warning: the content and media stay folded until the reader opens them (no script needed).
        <details class="vrss-cw">
          <summary class="vrss-cw-summary">{post.spoilerText}</summary>
          <PostBody post={post} mediaBase={props.mediaBase} />
        </details>
      ) : <PostBody post={post} mediaBase={props.mediaBase} />}
      {post.quote ? <QuotedPost quote={post.quote} mediaBase={props.mediaBase} /> : null}
      {post.tags.length ? (
        <p class="vrss-post-tags">{post.tags.map((t) => <span class="vrss-tag">#{t} </span>)}</p>
      ) : null}
      <p class="vrss-post-counts">
        {post.counts.likes} likes · {props.full ? `${post.counts.comments} comments` : <a href={permalink}>{post.counts.comments} comments</a>} · {post.counts.reposts} reposts
      </p>
    </article>
  );
}
