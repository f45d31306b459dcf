// Profile sections in their layout order. Items: text (escaped), links (nofollow), images (our
// store only), embeds (allow-listed players in sandboxed iframes, else a plain link). URLs into
// private networks are never rendered as media, embeds or links.
import type { SectionView } from "../modules/section/section.service";
import { embedFor } from "./embeds";
import { PostCard } from "./posts";
import type { SectionData } from "./profile.data";
import { linkHref, mediaSrc } from "./safe-url";

type Item = SectionView["items"][number];

/** An outbound link, or the URL as inert text when it may not be linked. */
export function SafeLink(props: { url: string | null; label: string | null; mediaBase: URL; class?: string }) {
  const href = linkHref(props.url, props.mediaBase);
  const label = props.label || props.url || "";
  if (!href) return <span class="vrss-unsafe-url">{label}</span>;
  return <a class={props.class} href={href} rel="nofollow noopener ugc">{label}</a>;
}

function EmbedItem(props: { item: Item; mediaBase: URL }) {
  const embed = embedFor(props.item.url);
  if (!embed) return <SafeLink url={props.item.url} label={props.item.title} mediaBase={props.mediaBase} class="vrss-embed-link" />;
  return (
    <iframe
      class={`vrss-embed vrss-embed-${embed.provider}`}
      src={embed.src}
      title={props.item.title ?? embed.title}
      sandbox="allow-scripts allow-same-origin allow-presentation"
      referrerpolicy="strict-origin-when-cross-origin"
      allow="encrypted-media; picture-in-picture; fullscreen"
      loading="lazy"
    />
  );
}

function ImageItem(props: { item: Item; mediaBase: URL }) {
  const src = mediaSrc(props.item.url, props.mediaBase);
  if (!src) return <SafeLink url={props.item.url} label={props.item.title ?? "image"} mediaBase={props.mediaBase} />;
  return (
    <figure class="vrss-figure">
      <img class="vrss-image" src={src} alt={props.item.title ?? ""} loading="lazy" decoding="async" />
      {props.item.title ? <figcaption>{props.item.title}</figcaption> : null}
    </figure>
  );
}

function ItemView(props: { item: Item; mediaBase: URL }) {
  const { item, mediaBase } = props;
  switch (item.contentType) {
    case "text":
      return <div class="vrss-text vrss-bio">{item.content}</div>;
    case "link":
      return <SafeLink url={item.url} label={item.title} mediaBase={mediaBase} />;
    case "image":
      return <ImageItem item={item} mediaBase={mediaBase} />;
    case "embed":
      return <EmbedItem item={item} mediaBase={mediaBase} />;
  }
}

function Items(props: { section: SectionView; mediaBase: URL }) {
  const { section, mediaBase } = props;
  if (section.items.length === 0) return null;
  if (section.type === "links") {
    const style = (section.config as { style?: string }).style === "buttons" ? "buttons" : "list";
    return (
      <ul class={`vrss-links vrss-links-${style}`}>
        {section.items.map((item) => <li data-item-id={item.id}><ItemView item={item} mediaBase={mediaBase} /></li>)}
      </ul>
    );
  }
  return (
    <div class={section.type === "gallery" ? "vrss-grid" : "vrss-items"}>
      {section.items.map((item) => <div class={`vrss-item vrss-item-${item.contentType}`} data-item-id={item.id}><ItemView item={item} mediaBase={mediaBase} /></div>)}
    </div>
  );
}

/** A gallery without items of its own shows the images of the owner's latest posts. */
function GalleryFromPosts(props: { images: { id: string; url: string }[]; mediaBase: URL }) {
  const imgs = props.images.flatMap((m) => {
    const src = mediaSrc(m.url, props.mediaBase);
    return src ? [{ id: m.id, src }] : [];
  });
  if (!imgs.length) return null;
  return <div class="vrss-grid">{imgs.map((m) => <img class="vrss-image" src={m.src} alt="" loading="lazy" decoding="async" data-media-id={m.id} />)}</div>;
}

export function SectionBlock(props: { section: SectionView; data: SectionData; mediaBase: URL; galleryImages: { id: string; url: string }[] }) {
  const { section, data, mediaBase } = props;
  const config = section.config as { layout?: unknown; align?: unknown; columns?: unknown };
  const layout = section.type === "feed" && config.layout === "grid" ? "vrss-grid" : "vrss-list";
  // Presentation options as classes (site-css.ts), from the validated config's closed value sets.
  const extra = [
    config.align === "center" || config.align === "right" ? `vrss-align-${config.align}` : "",
    typeof config.columns === "number" && Number.isInteger(config.columns) && config.columns >= 1 && config.columns <= 6 ? `vrss-cols-${config.columns}` : "",
  ].filter(Boolean).join(" ");
  return (
    <section class={`vrss-section vrss-section-${section.type}${extra ? ` ${extra}` : ""}`} data-section-id={section.id}>
      <h2>{section.title}</h2>
      {section.description ? <p class="vrss-section-description">{section.description}</p> : null}
      <Items section={section} mediaBase={mediaBase} />
      {section.type === "gallery" && section.items.length === 0 ? <GalleryFromPosts images={props.galleryImages} mediaBase={mediaBase} /> : null}
      {data.kind === "posts" ? (
        data.items.length ? (
          <div class={`vrss-section-posts ${layout}`}>{data.items.map((item) => <PostCard item={item} mediaBase={mediaBase} />)}</div>
        ) : (
          <p class="vrss-empty">Nothing here yet.</p>
        )
      ) : null}
      {data.kind === "people" ? (
        data.people.length ? (
          <ul class="vrss-people">
            {data.people.map((p) => (
              <li data-user-id={p.id}><a href={`/@${encodeURIComponent(p.username)}`}>{p.displayName ?? p.username}</a></li>
            ))}
          </ul>
        ) : (
          <p class="vrss-empty">Nobody yet.</p>
        )
      ) : null}
    </section>
  );
}
