// The basket: hold countdowns on the seat, event, checkout and pay pages, the warning before a hold ends, and the
// basket bar's list kept open or closed across htmx swaps (ES module, no build step).

const WARN_SECONDS = 120;
const EXPIRED = "Your hold has expired; the seats are back on sale.";

// The polite news line beside a countdown (basket bar or checkout/pay panel): it exists from the first render, so
// screen readers announce what is written into it once; the ticking countdown itself is not a live region.
function newsFor(countdown) {
  return countdown.closest(".basket-bar, .hold-panel")?.querySelector(".hold-news") ?? null;
}

function warning(countdown, news) {
  const extend = countdown.closest(".hold-panel")?.querySelector("[data-testid=extend-hold]");
  return extend ? `${news.dataset.warning} Need more time? Press “${extend.textContent.trim()}”.` : news.dataset.warning;
}

// Hold countdowns (`.countdown[data-expires]` with a `.remaining` inside): tick every second; warn once two minutes
// before the end; when time is up, say so and tell the page (the seat map frees its seats).
setInterval(() => {
  for (const countdown of document.querySelectorAll(".countdown[data-expires]:not(.expired)")) {
    const left = Math.max(0, Math.round((Date.parse(countdown.dataset.expires) - Date.now()) / 1000));
    countdown.querySelector(".remaining").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    const news = newsFor(countdown);
    if (left === 0) {
      countdown.classList.add("expired");
      countdown.textContent = news ? "Time is up." : EXPIRED;
      if (news) news.textContent = news.dataset.expired || EXPIRED;
      document.dispatchEvent(new CustomEvent("countdown-expired"));
    } else if (left <= WARN_SECONDS && news && !countdown.dataset.warned) {
      countdown.dataset.warned = "true";
      news.textContent = warning(countdown, news);
    }
  }
}, 1000);

// The basket bar's list stays as the buyer left it when a hold or release re-renders #cart; a release button
// that the swap removed hands focus to the bar's summary rather than dropping it on the page.
let basketOpen = false;
document.addEventListener(
  "toggle",
  (event) => {
    if (event.target.matches?.(".basket-bar details")) basketOpen = event.target.open;
  },
  true,
);
document.addEventListener("htmx:afterSwap", (event) => {
  const details = event.detail.target?.querySelector?.(".basket-bar details");
  if (!details) return;
  details.open = basketOpen;
  const asking = event.detail.requestConfig?.elt;
  if (asking && !document.body.contains(asking)) details.querySelector("summary").focus();
});
