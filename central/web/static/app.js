// Small helpers for server-rendered pages: a photo lightbox to compare two photos side by side.
(function () {
  "use strict";
  var box = null, shown = [];
  function lightbox() {
    if (box) return box;
    box = document.createElement("div");
    box.className = "lightbox";
    box.setAttribute("role", "dialog");
    var close = document.createElement("button");
    close.className = "close secondary";
    close.textContent = "Close";
    close.addEventListener("click", function () { box.classList.remove("open"); });
    box.appendChild(close);
    document.body.appendChild(box);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") close.click(); });
    return box;
  }
  document.addEventListener("click", function (e) {
    var img = e.target.closest && e.target.closest("img[data-full]");
    if (!img) return;
    e.preventDefault();
    var b = lightbox();
    // The last two photos opened are shown side by side, so opening a second one compares it with the first.
    shown.push(img.getAttribute("data-full"));
    shown = shown.slice(-2);
    Array.prototype.slice.call(b.querySelectorAll("img")).forEach(function (n) { n.remove(); });
    shown.forEach(function (src) { var i = document.createElement("img"); i.src = src; i.alt = "photo"; b.appendChild(i); });
    b.classList.add("open");
  });
})();

// Redaction review: drag on the photo to draw a box; the form gets it as fractions of the photo.
(function () {
  "use strict";
  var view = document.getElementById("redact-view");
  if (!view) return;
  var rect = document.getElementById("redact-drawing"), start = null;
  function frac(e) {
    var b = document.getElementById("redact-img").getBoundingClientRect();  // fractions of the photo itself
    return { x: Math.min(1, Math.max(0, (e.clientX - b.left) / b.width)),
             y: Math.min(1, Math.max(0, (e.clientY - b.top) / b.height)) };
  }
  function box(a, b) {
    return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) };
  }
  function show(r) {
    rect.setAttribute("x", r.x); rect.setAttribute("y", r.y);
    rect.setAttribute("width", r.w); rect.setAttribute("height", r.h);
  }
  view.addEventListener("pointerdown", function (e) { e.preventDefault(); start = frac(e); view.setPointerCapture(e.pointerId); });
  view.addEventListener("pointermove", function (e) { if (start) show(box(start, frac(e))); });
  view.addEventListener("pointerup", function (e) {
    if (!start) return;
    var r = box(start, frac(e));
    start = null;
    if (r.w < 0.005 || r.h < 0.005) return;
    show(r);
    ["x", "y", "w", "h"].forEach(function (k) { document.getElementById("box-" + k).value = r[k].toFixed(4); });
  });
})();
