// Keyboard, unless the user is typing: "/" focuses the search box (as on GitHub and HF); "j" and "k" move to the
// next and previous paper card (focusing its title link, so Enter opens it).
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable)) return;
  if (e.key === "/") {
    const box = document.getElementById("q");
    if (box) { e.preventDefault(); box.focus(); box.select(); }
  } else if (e.key === "j" || e.key === "k") {
    const cards = [...document.querySelectorAll("article.card")];
    if (cards.length === 0) return;
    const at = cards.findIndex((c) => c.classList.contains("current"));
    const next = at < 0 ? (e.key === "j" ? 0 : cards.length - 1) : Math.min(cards.length - 1, Math.max(0, at + (e.key === "j" ? 1 : -1)));
    if (at >= 0) cards[at].classList.remove("current");
    const card = cards[next];
    card.classList.add("current");
    card.querySelector(".title a")?.focus();
    card.scrollIntoView({ block: "nearest" });
    e.preventDefault();
  }
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
