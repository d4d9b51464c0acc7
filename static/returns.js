// The fortnightly return (issue 17): the "N of M done" count, each line's state in the compact
// view and the "Next action needing attention" link follow what is typed and ticked. Without
// JavaScript the server draws all three as they stood at the last save.
const form = document.querySelector("form[data-return-form]");

if (form) {
  const sections = [...form.querySelectorAll("section.tracker-return-entry")];
  const counts = document.querySelectorAll("[data-return-done]");
  const next = document.getElementById("next-action");
  const LABELS = { done: "Done", started: "Started", untouched: "Not touched" };

  const field = (section, name) => section.querySelector(`[name$="-${name}"]`);
  const text = (section, name) => (field(section, name)?.value || "").trim();
  // Done: a summary typed or "no change this fortnight" ticked (as the server counts it).
  const isDone = (section) =>
    Boolean(field(section, "confirm_unchanged")?.checked) || text(section, "summary") !== "";
  // Touched: anything typed, ticked or chosen that differs from the action as drawn.
  const isTouched = (section) =>
    isDone(section) ||
    text(section, "reason") !== "" ||
    text(section, "evidence") !== "" ||
    ["rag", "lifecycle", "impact"].some(
      (name) => (field(section, name)?.value || "") !== (section.dataset[name] || ""),
    );

  const showState = (section, state) => {
    const tag = document.getElementById(`state-${section.dataset.ref}`);
    if (!tag || tag.dataset.state === state) return;
    tag.classList.remove(...Object.keys(LABELS).map((s) => `tracker-return-state--${s}`));
    tag.classList.add(`tracker-return-state--${state}`);
    tag.dataset.state = state;
    tag.textContent = LABELS[state];
  };

  const update = () => {
    let done = 0;
    let first = null;
    for (const section of sections) {
      const finished = isDone(section);
      if (finished) done += 1;
      else if (!first) first = section;
      showState(section, finished ? "done" : isTouched(section) ? "started" : "untouched");
    }
    const words = `${done} of ${sections.length} done`;
    for (const count of counts) if (count.textContent !== words) count.textContent = words;
    if (!next) return;
    next.hidden = !first;
    if (first) {
      next.href = `#${first.id}`;
      next.textContent = `Next action needing attention: ${first.dataset.ref}`;
    }
  };

  // Going to an action (the next-action link, a jump link, an error link) opens its line in
  // the compact view; the next-action link then puts the focus on its first field.
  const openTarget = () => {
    const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    const line = target && target.closest("details");
    if (line) line.open = true;
    return target;
  };

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  window.addEventListener("hashchange", openTarget);
  if (next) {
    next.addEventListener("click", () => {
      // After the browser has moved to the fragment (the same fragment moves nowhere).
      setTimeout(() => {
        const target = openTarget();
        target?.querySelector("input:not([type=hidden]), textarea, select")?.focus();
      });
    });
  }
  // The shortcut written beside the link, Alt+Shift+N, in every browser (the access key alone
  // needs other keys in some), and never while the link is hidden (nothing left to do).
  document.addEventListener("keydown", (event) => {
    if (!next || next.hidden || !event.altKey || !event.shiftKey || event.code !== "KeyN") return;
    if (event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    next.click();
  });
  openTarget();
  update();
}
