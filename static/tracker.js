// Start GOV.UK Frontend's components (loaded as an ES module, allowed by the CSP nonce).
import { initAll } from "/govuk/govuk-frontend.min.js";

initAll();

// Download links: with JavaScript, the file is fetched here so that a bar shows its progress:
// moving while the server prepares it (a long list with its history takes some seconds), then
// filling as its bytes arrive (the response carries its length), then saved under its own name.
// Without JavaScript the links are plain downloads.
const filenameOf = (response) =>
  (/filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "") || [])[1] ||
  "download";

async function download(link, bar, status) {
  bar.hidden = false;
  bar.removeAttribute("value");
  status.textContent = "Preparing your file…";
  const response = await fetch(link.href, { credentials: "same-origin" });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail || `the server answered ${response.status}`);
  }
  const size = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  const parts = [];
  let received = 0;
  status.textContent = "Downloading…";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    if (size) {
      bar.max = size;
      bar.value = received;
    }
  }
  const name = filenameOf(response);
  const url = URL.createObjectURL(new Blob(parts, { type: response.headers.get("Content-Type") }));
  const save = document.createElement("a");
  save.href = url;
  save.download = name;
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  bar.max = 1;
  bar.value = 1;
  status.textContent = `Downloaded ${name}.`;
}

for (const box of document.querySelectorAll('[data-module="tracker-downloads"]')) {
  const bar = box.querySelector(".tracker-downloads__bar");
  const status = box.querySelector(".tracker-downloads__status");
  box.addEventListener("click", (event) => {
    const link = event.target.closest("a[download]");
    if (!link || !bar || !status || !window.fetch || !window.ReadableStream) return;
    event.preventDefault();
    status.classList.remove("govuk-visually-hidden");
    download(link, bar, status).catch((error) => {
      bar.hidden = true;
      status.textContent = `The file could not be downloaded: ${error.message}. Try the link again.`;
    });
  });
}

// A long import's progress: the page names its JSON status; poll it, move the bar, and reload
// the page (which then shows the outcome) when the import has finished.
const bar = document.querySelector("[data-import-status]");
if (bar) {
  const words = document.getElementById("import-progress-words");
  const poll = async () => {
    try {
      const response = await fetch(bar.dataset.importStatus, { headers: { Accept: "application/json" } });
      const status = await response.json();
      if (status.state !== "running") {
        window.location.reload();
        return;
      }
      bar.max = status.total || 1;
      bar.value = status.done || 0;
      if (words) words.textContent = `${status.stage}: ${status.done} of ${status.total}`;
    } catch (error) {
      // The next poll tries again.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 500);
}

// Sections collapsed on screen print in full: opened before printing, closed again after (for
// browsers that print a closed <details> without its content whatever the print stylesheet).
let openedForPrint = [];
window.addEventListener("beforeprint", () => {
  openedForPrint = [...document.querySelectorAll("details.tracker-print-open:not([open])")];
  openedForPrint.forEach((d) => d.setAttribute("open", ""));
});
window.addEventListener("afterprint", () => {
  openedForPrint.forEach((d) => d.removeAttribute("open"));
  openedForPrint = [];
});
