// Full-screen check-in code: fetch a fresh code as the previous one expires.
const box = document.getElementById("qr");
if (box) {
  const seconds = Number(box.dataset.rotation) || 30;
  setInterval(async () => {
    try {
      const response = await fetch(box.dataset.src, { cache: "no-store" });
      if (response.ok) box.innerHTML = await response.text();
    } catch (e) {
      // Keep showing the last code; the next round tries again.
    }
  }, seconds * 1000);
}
