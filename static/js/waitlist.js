// "My trainings": keep each waitlist position up to date without reloading the page.
// Without JavaScript the page shows the position as it was when loaded.
const REFRESH_MS = 30000;

async function refresh(card) {
  const response = await fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const data = await response.json();
  const badge = card.querySelector("[data-status]");
  const text = card.querySelector("[data-position-text]");
  badge.textContent = data.label;
  if (data.status === "waitlisted") {
    text.textContent = text.textContent.replace(/\d+/, String(data.position));
  } else {
    badge.className = "badge text-bg-success";
    text.textContent = "";
  }
}

const cards = document.querySelectorAll("[data-status-url]");
if (cards.length) {
  setInterval(() => cards.forEach((card) => refresh(card).catch(() => {})), REFRESH_MS);
}
