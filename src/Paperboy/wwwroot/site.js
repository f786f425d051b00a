// Keyboard: "/" focuses the search box (as on GitHub and HF), unless the user is already typing.
document.addEventListener("keydown", (e) => {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || (t instanceof HTMLElement && t.isContentEditable)) return;
  const box = document.getElementById("q");
  if (box) { e.preventDefault(); box.focus(); box.select(); }
});
