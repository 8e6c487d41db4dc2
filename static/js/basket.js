// The basket: hold countdowns on the seat, checkout and pay pages (ES module, no build step).

// Hold countdowns (`.countdown[data-expires]` with a `.remaining` inside): tick every second; when time is up,
// say so and tell the page (the seat map frees its seats).
setInterval(() => {
  for (const countdown of document.querySelectorAll(".countdown[data-expires]:not(.expired)")) {
    const left = Math.max(0, Math.round((Date.parse(countdown.dataset.expires) - Date.now()) / 1000));
    countdown.querySelector(".remaining").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (left === 0) {
      countdown.classList.add("expired");
      countdown.textContent = "Your hold has expired; the seats are back on sale.";
      document.dispatchEvent(new CustomEvent("countdown-expired"));
    }
  }
}, 1000);
