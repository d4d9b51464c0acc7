// Start GOV.UK Frontend's components (loaded as an ES module, allowed by the CSP nonce).
import { initAll } from "/govuk/govuk-frontend.min.js";

initAll();

// Download links: the server prepares a workbook before its first byte leaves (a long list with
// its history takes some seconds), so say so at once; the browser shows the download's progress
// from its first byte (the response carries its length).
for (const box of document.querySelectorAll('[data-module="tracker-downloads"]')) {
  const status = box.querySelector(".tracker-downloads__status");
  box.addEventListener("click", (event) => {
    const link = event.target.closest("a[download]");
    if (!link || !status) return;
    status.textContent =
      "Preparing your file. Your browser shows the download when it starts: " +
      "a long list with its history can take several seconds.";
    status.classList.remove("govuk-visually-hidden");
  });
}
