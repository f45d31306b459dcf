// GET /@:username: the profile as its owner designed it, inside the DOM contract of layout.tsx.
import { Layout, type Viewer } from "./layout";
import { PostCard } from "./posts";
import type { PostPageData, ProfilePageData } from "./profile.data";
import { SafeLink, SectionBlock } from "./sections";
import { mediaSrc } from "./safe-url";
import { profileScopeClass, profileTheme } from "./theme";

type Profile = ProfilePageData["profile"];
type Look = ProfilePageData["look"];

/** The owner's music: our own store only; volume 0–100 → 0–1; autoplay waits for a gesture (client-script.ts). */
function Music(props: { look: Look; mediaBase: URL }) {
  const music = props.look.music;
  const src = music ? mediaSrc(music.url, props.mediaBase) : null;
  if (!music || !src) return null;
  const volume = Math.min(Math.max(Number(music.volume ?? 50), 0), 100) / 100;
  return (
    <audio id="vrss-music" class="vrss-music" src={src} controls preload="none" loop
      data-autoplay={music.autoplay ? "true" : "false"} data-volume={String(volume)} />
  );
}

export function ProfileHeader(props: { profile: Profile; look: Look; mediaBase: URL; heading?: "h1" | "p" }) {
  const { profile, look, mediaBase } = props;
  const name = profile.displayName ?? profile.username;
  return (
    <header class="vrss-profile-header">
      {props.heading === "p" ? <p class="vrss-display-name">{name}</p> : <h1 class="vrss-display-name">{name}</h1>}
      <a class="vrss-username" href={`/@${encodeURIComponent(profile.username)}`}>@{profile.username}</a>
      {props.heading === "p" ? null : (
        <>
          {profile.bio ? <p class="vrss-bio">{profile.bio}</p> : null}
          <ul class="vrss-meta">
            {profile.location ? <li class="vrss-location">{profile.location}</li> : null}
            {profile.age ? <li class="vrss-age">{profile.age}</li> : null}
            {profile.website ? <li class="vrss-website"><SafeLink url={profile.website} label={profile.website} mediaBase={mediaBase} /></li> : null}
          </ul>
          <Music look={look} mediaBase={mediaBase} />
        </>
      )}
    </header>
  );
}

/** The scope element: the sanitized CSS targets its class; background video behind the content. */
export function ProfileScope(props: { userId: string; backgroundVideo: string | null; children: unknown }) {
  return (
    <div id="vrss-profile" class={`vrss-profile ${profileScopeClass(props.userId)}`} data-user-id={props.userId}>
      {props.backgroundVideo ? <video class="vrss-bg-video" src={props.backgroundVideo} autoplay muted loop playsinline aria-hidden="true" /> : null}
      {props.children as never}
    </div>
  );
}

export function ProfilePage(props: { nonce: string; viewer: Viewer | null; data: ProfilePageData; mediaBase: URL }) {
  const { data, mediaBase } = props;
  const theme = profileTheme(data.profile.id, data.look, mediaBase);
  const name = data.profile.displayName ?? data.profile.username;
  const galleryImages = data.posts.flatMap((i) => i.post.media.filter((m) => m.type === "image" || m.type === "gif").map((m) => ({ id: m.id, url: m.url })));
  return (
    <Layout nonce={props.nonce} title={`${name} (@${data.profile.username}) · VRSS`} viewer={props.viewer} profileCss={theme.css} reportTarget={`user:${data.profile.id}`}>
      <ProfileScope userId={data.profile.id} backgroundVideo={theme.backgroundVideo}>
        <ProfileHeader profile={data.profile} look={data.look} mediaBase={mediaBase} />
        <div class="vrss-columns">
          <div class="vrss-sections">
            {data.sections.map(({ section, data: sd }) => (
              <SectionBlock section={section} data={sd} mediaBase={mediaBase} galleryImages={galleryImages} />
            ))}
          </div>
          <div class="vrss-posts">
            <h2>Latest posts</h2>
            {data.posts.length ? data.posts.map((item) => <PostCard item={item} mediaBase={mediaBase} />) : <p class="vrss-empty">No posts yet.</p>}
          </div>
        </div>
      </ProfileScope>
    </Layout>
  );
}

function Thread(props: { nodes: PostPageData["comments"] }) {
  if (!props.nodes.length) return null;
  return (
    <ul class="vrss-comments">
      {props.nodes.map(({ comment, replies }) => (
        <li class="vrss-comment" data-comment-id={comment.id}>
          <p class="vrss-post-meta">
            <a href={`/@${encodeURIComponent(comment.author.username)}`}>{comment.author.displayName ?? comment.author.username}</a>
            {" · "}<time datetime={comment.createdAt}>{comment.createdAt.slice(0, 10)}</time>
          </p>
          <div class="vrss-bio">{comment.content}</div>
          <Thread nodes={replies} />
        </li>
      ))}
    </ul>
  );
}

/** GET /@:username/posts/:id: the post in its author's look, with its comment thread. */
export function PostPage(props: { nonce: string; viewer: Viewer | null; data: PostPageData; mediaBase: URL }) {
  const { data, mediaBase } = props;
  const theme = profileTheme(data.author.id, data.look, mediaBase);
  const name = data.author.displayName ?? data.author.username;
  const title = data.post.title ?? (data.post.content ?? "").slice(0, 60);
  return (
    <Layout nonce={props.nonce} title={`${title || "Post"} · ${name} · VRSS`} viewer={props.viewer} profileCss={theme.css} reportTarget={`post:${data.post.id}`}>
      <ProfileScope userId={data.author.id} backgroundVideo={theme.backgroundVideo}>
        <ProfileHeader profile={data.author} look={data.look} mediaBase={mediaBase} heading="p" />
        <PostCard item={{ id: `p${data.post.id}`, kind: "post", post: data.post, repost: null }} mediaBase={mediaBase} full />
        <section class="vrss-section vrss-section-comments">
          <h2>Comments</h2>
          {data.comments.length ? <Thread nodes={data.comments} /> : <p class="vrss-empty">No comments yet.</p>}
        </section>
      </ProfileScope>
    </Layout>
  );
}
