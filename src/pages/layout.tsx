// The page shell (the DOM contract the browser tests rely on): site header and footer as chrome
// outside #vrss-profile-frame, the site stylesheet and the page script inlined with the nonce, and
// the profile's own (sanitized) styles after the site's.
import type { Child } from "hono/jsx";
import { PAGE_SCRIPT } from "./client-script";
import { SITE_CSS } from "./site-css";

export interface Viewer {
  userId: string;
  username: string;
}

export interface LayoutProps {
  nonce: string;
  title: string;
  viewer: Viewer | null;
  /** Profile styles: generated theme rules and the stored sanitized custom CSS (never contains `<`). */
  profileCss?: string;
  /** What the report button is about (a profile or post id), for the report flow. */
  reportTarget?: string;
  children: Child;
}

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="strict-origin-when-cross-origin" />
        <title>{props.title}</title>
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: SITE_CSS }} />
        {props.profileCss ? <style nonce={props.nonce} id="vrss-profile-css" dangerouslySetInnerHTML={{ __html: props.profileCss }} /> : null}
      </head>
      <body class="vrss-page">
        <header id="vrss-site-header" class="vrss-chrome">
          <a id="vrss-home" href="/">VRSS</a>
          <span class="vrss-live" aria-hidden="true" />
          <button id="vrss-site-action" type="button" data-viewer={props.viewer?.username ?? ""}>
            {props.viewer ? `@${props.viewer.username}` : "Sign in"}
          </button>
        </header>
        <main id="vrss-profile-frame">{props.children}</main>
        <footer id="vrss-site-footer" class="vrss-chrome">
          <span>VRSS — profiles made by their owners</span>
          <button id="vrss-report" type="button" data-target={props.reportTarget ?? ""}>Report</button>
        </footer>
        <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: PAGE_SCRIPT }} />
      </body>
    </html>
  );
}

/** The one "not found" page: the same for what does not exist and what this viewer may not see. */
export function NotFoundPage(props: { nonce: string; viewer: Viewer | null }) {
  return (
    <Layout nonce={props.nonce} title="Not found · VRSS" viewer={props.viewer}>
      <div id="vrss-profile" class="vrss-profile vrss-notfound">
        <h1>Page not found</h1>
        <p>This page does not exist, or it is not available to you.</p>
        <p><a href="/">Back to VRSS</a></p>
      </div>
    </Layout>
  );
}
