// The console's own behaviour, loaded from this origin (the CSP allows no inline
// script): dates in the viewer's time zone, and copy buttons.
"use strict";

function localiseDates(root) {
  // The page's language, in the browser's regional variant when it has one.
  const page = document.documentElement.lang || "en";
  const lang = navigator.languages.find((l) => l.split("-")[0] === page) || page;
  const format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  for (const element of root.querySelectorAll("time[datetime]")) {
    const moment = new Date(element.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) {
      element.textContent = format.format(moment);
      // The exact time stays in the title (UTC, rendered by the server).
    }
  }
}

function copyButtons(root) {
  for (const button of root.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.querySelector(button.dataset.copy);
      try {
        await navigator.clipboard.writeText(source.value);
      } catch (error) {
        source.select();
        document.execCommand("copy");
      }
      button.textContent = button.dataset.copied;
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localiseDates(document);
  copyButtons(document);
});
document.addEventListener("htmx:afterSwap", (event) => {
  localiseDates(event.target);
  copyButtons(event.target);
});
