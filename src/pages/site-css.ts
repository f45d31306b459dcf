// The site's own stylesheet (inlined with the page's nonce). Site chrome lives outside
// #vrss-profile-frame, which the user's CSS can never select (it is scoped to the profile element);
// the frame contains the profile's painting (contain: paint, overflow: clip, isolation), so no
// transform, shadow or z-index inside it can cover the header or footer.
export const SITE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html,body{margin:0;padding:0}
body.vrss-page{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#eef1f6;color:#1b1f29;line-height:1.5}
.vrss-chrome{background:#1d2b53;color:#fff;display:flex;align-items:center;gap:1rem;padding:.6rem 1.25rem}
.vrss-chrome a{color:#fff}
#vrss-site-header{position:sticky;top:0;z-index:10;justify-content:space-between;box-shadow:0 2px 6px rgba(0,0,0,.25)}
#vrss-home{font-weight:800;letter-spacing:.08em;text-decoration:none;font-size:1.25rem}
#vrss-site-header .vrss-live{display:inline-block;width:.55rem;height:.55rem;border-radius:50%;background:#5eead4;animation:vrss-site-pulse 2s ease-in-out infinite}
#vrss-site-action,#vrss-report{font:inherit;cursor:pointer;border:1px solid rgba(255,255,255,.6);background:transparent;color:#fff;border-radius:4px;padding:.25rem .75rem}
#vrss-site-footer{justify-content:space-between;margin-top:2rem;font-size:.875rem}
#vrss-profile-frame{display:block;position:relative;max-width:1200px;margin:1.5rem auto;contain:paint;isolation:isolate;overflow:clip;border-radius:8px;background:#fff}
.vrss-profile{position:relative;min-height:60vh;padding:1.5rem;background-size:cover;background-position:center}
.vrss-bg-video{position:absolute;inset:0;width:100%;height:100%;object-fit:cover;z-index:0;pointer-events:none}
.vrss-profile>*{position:relative;z-index:1}
.vrss-profile-header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5rem 1rem;margin-bottom:1rem}
.vrss-display-name{margin:0;font-size:2rem}
.vrss-username{opacity:.75}
.vrss-bio{white-space:pre-wrap;margin:.25rem 0 1rem}
.vrss-meta{display:flex;flex-wrap:wrap;gap:1rem;font-size:.9rem;opacity:.85;margin:0 0 1rem;padding:0;list-style:none}
.vrss-music{display:block;width:100%;max-width:420px;margin:0 0 1rem}
.vrss-columns{display:grid;grid-template-columns:minmax(0,1fr);gap:1.25rem}
@media (min-width:900px){.vrss-columns{grid-template-columns:minmax(0,2fr) minmax(0,3fr)}}
.vrss-section,.vrss-post{background:rgba(255,255,255,.88);color:#1b1f29;border-radius:6px;padding:1rem;margin:0 0 1rem;overflow-wrap:anywhere}
.vrss-section h2,.vrss-posts>h2{margin:0 0 .5rem;font-size:1.1rem}
.vrss-links{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.4rem}
.vrss-links-buttons a{display:inline-block;padding:.35rem .8rem;border-radius:4px;background:#1d2b53;color:#fff;text-decoration:none}
.vrss-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:.5rem}
.vrss-media img,.vrss-media video,.vrss-image{max-width:100%;height:auto;display:block;border-radius:4px}
.vrss-media audio{width:100%}
.vrss-embed{width:100%;aspect-ratio:16/9;border:0;border-radius:4px}
.vrss-embed-soundcloud,.vrss-embed-bandcamp{aspect-ratio:auto;height:166px}
.vrss-people{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(120px,1fr));gap:.5rem}
.vrss-post-meta{font-size:.85rem;opacity:.75;margin:0 0 .5rem}
.vrss-post-title{margin:0 0 .25rem;font-size:1.05rem}
.vrss-post-counts{font-size:.85rem;opacity:.75;margin:.5rem 0 0}
.vrss-comments{list-style:none;padding:0;margin:0}
.vrss-comment{border-top:1px solid rgba(0,0,0,.08);padding:.5rem 0}
.vrss-comment .vrss-comments{margin-left:1.25rem}
.vrss-align-center{text-align:center}.vrss-align-right{text-align:right}
${[1, 2, 3, 4, 5, 6].map((n) => `.vrss-cols-${n} .vrss-grid{grid-template-columns:repeat(${n},minmax(0,1fr))}`).join("\n")}
.vrss-notfound{padding:3rem 1.5rem;text-align:center}
.vrss-unsafe-url{font-family:monospace;opacity:.7}
@keyframes vrss-site-pulse{0%,100%{opacity:1;transform:scale(1)}50%{opacity:.35;transform:scale(.7)}}
`;
