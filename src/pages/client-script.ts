// The page's only script (inlined with the nonce). The music player: volume from the profile, and
// "autoplay" honoured only after the visitor's first gesture on the page (browsers block sound
// before one, and a page should not start playing on its own anyway). Pure DOM, no framework.
export const PAGE_SCRIPT = `(() => {
  const audio = document.getElementById("vrss-music");
  if (!(audio instanceof HTMLAudioElement)) return;
  const volume = Number(audio.dataset.volume);
  if (Number.isFinite(volume)) audio.volume = Math.min(Math.max(volume, 0), 1);
  if (audio.dataset.autoplay !== "true") return;
  const events = ["pointerdown", "keydown", "touchstart"];
  const start = () => {
    events.forEach((e) => document.removeEventListener(e, start, true));
    if (audio.paused) audio.play().catch(() => {});
  };
  events.forEach((e) => document.addEventListener(e, start, { capture: true, passive: true }));
})();`;
