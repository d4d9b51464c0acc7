// A table wider than the screen scrolls sideways in the wrapper the theme puts it in: the
// wrapper takes the keyboard focus, so the table can be scrolled without a mouse (WCAG 2.1.1;
// axe-core's scrollable-region-focusable, on a phone). The theme wraps its tables as each page
// is shown (document$, after its own components).
document$.subscribe(() => {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach((wrap) => {
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", "Table (scrolls sideways)");
  });
});
