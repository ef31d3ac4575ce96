// Roll call: record a mark with one tap, without reloading the page. Without JavaScript
// each button submits its form and the page comes back at the same learner.
function refreshCounts() {
  const counts = {};
  let unmarked = 0;
  document.querySelectorAll(".mark-form").forEach((form) => {
    const active = form.querySelector(".btn-mark.active");
    if (active) counts[active.value] = (counts[active.value] || 0) + 1;
    else unmarked += 1;
  });
  document.querySelectorAll("#roll-counts [data-count]").forEach((badge) => {
    const key = badge.dataset.count;
    badge.querySelector("span").textContent = key === "unmarked" ? unmarked : counts[key] || 0;
  });
}

async function submitMark(event) {
  const form = event.target;
  const button = event.submitter;
  if (!button || button.name !== "status") return;
  event.preventDefault();
  const data = new FormData(form);
  data.set("status", button.value);
  const error = form.querySelector("[data-mark-error]");
  error.textContent = "";
  button.disabled = true;
  try {
    const response = await fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) {
      error.textContent = body.error || response.statusText;
      const details = form.querySelector("details");
      if (details) details.open = true;
      return;
    }
    form.querySelectorAll(".btn-mark").forEach((b) => {
      const on = b.value === body.status;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    form.querySelector("[data-mark-info]").textContent = body.info;
    const reason = form.querySelector("input[name=reason]");
    if (reason) reason.value = "";
    refreshCounts();
  } catch (e) {
    form.submit();
  } finally {
    button.disabled = false;
  }
}

document.querySelectorAll(".mark-form").forEach((form) => form.addEventListener("submit", submitMark));
