// Signature pad: records the strokes drawn on the canvas as "x,y x,y;x,y ..." (integers in a
// 300 x 100 box) into the form's hidden `drawing` field. The server draws them again itself.
document.querySelectorAll("[data-signature-pad]").forEach((pad) => {
  const box = pad.querySelector("[data-pad-box]");
  const canvas = pad.querySelector("[data-pad]");
  const value = pad.querySelector("[data-pad-value]");
  const clear = pad.querySelector("[data-pad-clear]");
  if (!canvas || !value) return;
  box.hidden = false;
  clear.hidden = false;
  const context = canvas.getContext("2d");
  context.lineWidth = 3;
  context.lineCap = "round";
  context.strokeStyle = "#0b2530";
  const strokes = [];
  let current = null;

  function point(event) {
    const rect = canvas.getBoundingClientRect();
    const x = Math.round(((event.clientX - rect.left) / rect.width) * 300);
    const y = Math.round(((event.clientY - rect.top) / rect.height) * 100);
    return [Math.min(300, Math.max(0, x)), Math.min(100, Math.max(0, y))];
  }

  function save() {
    value.value = strokes.filter((s) => s.length).map((s) => s.map((p) => p.join(",")).join(" ")).join(";");
  }

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = [point(event)];
    strokes.push(current);
    context.beginPath();
    context.moveTo(...current[0]);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    const next = point(event);
    const last = current[current.length - 1];
    if (next[0] === last[0] && next[1] === last[1]) return;
    current.push(next);
    context.lineTo(...next);
    context.stroke();
  });
  const end = () => {
    if (current) save();
    current = null;
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear.addEventListener("click", () => {
    strokes.length = 0;
    value.value = "";
    context.clearRect(0, 0, canvas.width, canvas.height);
  });
});
