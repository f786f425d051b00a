// Keyboard: "/" focuses the search box (as on GitHub and HF), unless the user is already typing.
document.addEventListener("keydown", (e) => {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || (t instanceof HTMLElement && t.isContentEditable)) return;
  const box = document.getElementById("q");
  if (box) { e.preventDefault(); box.focus(); box.select(); }
});

// Upvote without a reload: send the vote form with fetch and redraw the button from the answer.
// Without JavaScript (or when signed out, which redirects to sign-in) the form posts as usual.
document.addEventListener("submit", async (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("vote-form")) return;
  e.preventDefault();
  try {
    const res = await fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, redirect: "manual" });
    if (!res.ok) { form.submit(); return; }
    const vote = await res.json();
    const button = form.querySelector("button");
    button.classList.toggle("voted", vote.voted);
    button.setAttribute("aria-pressed", vote.voted ? "true" : "false");
    button.querySelector(".count").textContent = vote.upvotes;
  } catch { form.submit(); }
});
