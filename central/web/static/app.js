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
    close.addEventListener("click", function () { box.classList.remove("open"); shown = []; });
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
    // Keep the last two clicked photos on screen so they can be compared.
    shown.push(img.getAttribute("data-full"));
    shown = shown.slice(-2);
    Array.prototype.slice.call(b.querySelectorAll("img")).forEach(function (n) { n.remove(); });
    shown.forEach(function (src) { var i = document.createElement("img"); i.src = src; i.alt = "photo"; b.appendChild(i); });
    b.classList.add("open");
  });
})();
