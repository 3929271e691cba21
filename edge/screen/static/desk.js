// The desk screen: show the desk's state as it changes (long-poll; at least every 2 s for the link
// and queue indicators, which change without the desk), send taps as actions.
"use strict";
const $ = (id) => document.getElementById(id);
let version = -1;

function post(path, body) {
  return fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Desk": "1" },
                       body: JSON.stringify(body || {}) })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error("the station answered " + r.status))))
    .then(render)
    .catch((e) => { $("notice").textContent = "Not done: " + e.message + " — try again"; $("notice").className = "error"; });
}

function render(v) {
  if (v.version < version) return;  // a slow reply must not paint over a newer state
  version = v.version;
  $("return-ref").textContent = v.return_ref || "—";
  $("item").textContent = v.item || "—";
  $("category").textContent = v.category ? v.category.replace(/_/g, " ") : "";
  $("online").textContent = v.online ? "online" : "offline";
  $("online").className = v.online ? "online" : "offline";
  $("queue").textContent = v.queue + " queued";
  $("disk").textContent = v.disk || "";
  $("disk").hidden = !v.disk;
  $("notice").textContent = v.notice.text;
  $("notice").className = v.notice.level;
  const s = v.state, open = s !== "idle";
  $("btn-capture").disabled = !open || v.busy;
  $("btn-retake").disabled = s !== "refused" || v.busy;
  $("btn-accept").disabled = s !== "refused" || v.busy;
  $("btn-done").disabled = !(s === "categorised" || (s === "return_open" && v.items_done > 0));
  $("btn-cancel").disabled = !open;
  const cats = $("categories");
  if (cats.dataset.list !== v.categories.join(" ")) {  // the hub may push a new list while we run
    cats.dataset.list = v.categories.join(" ");
    cats.textContent = "";
    for (const c of v.categories) {
      const b = document.createElement("button");
      b.textContent = c.replace(/_/g, " "); b.dataset.category = c;
      cats.appendChild(b);
    }
  }
  for (const b of cats.children) {
    b.disabled = !open;
    b.classList.toggle("chosen", b.dataset.category === v.category);
  }
  const strip = $("thumbs");
  strip.textContent = "";
  for (const p of v.photos.slice().reverse()) {
    const d = document.createElement("div");
    d.className = "thumb " + p.verdict; d.dataset.photo = p.id;
    const img = document.createElement("img");
    img.src = "/thumb/" + p.id + ".jpg"; img.alt = p.verdict;
    const tag = document.createElement("div");
    tag.className = "tag";
    const why = p.reasons.map((r) => p.messages[r] || r).join("; ");
    const label = p.label && p.label.match === false ? " · label mismatch" : "";
    tag.textContent = "item " + p.item + " · " + p.verdict + (why ? " · " + why : "") + label + (p.saved ? " · saved" : "");
    d.appendChild(img); d.appendChild(tag); strip.appendChild(d);
  }
}

async function follow() {
  for (;;) {
    try {
      const r = await fetch("/api/state?since=" + version + "&wait=2");
      render(await r.json());
    } catch (e) {
      $("notice").textContent = "Screen lost the station — retrying"; $("notice").className = "error";
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  }
}

async function hints() {
  for (;;) {
    try {
      const h = await (await fetch("/api/hints")).json();
      $("hints").textContent = h.ok === false ? h.reasons.map((r) => h.messages[r] || r).join(" · ") : "";
    } catch (e) { /* the state poll reports a lost station */ }
    await new Promise((ok) => setTimeout(ok, 500));
  }
}

document.addEventListener("click", (e) => {
  const b = e.target.closest("button");
  if (!b || b.disabled) return;
  if (b.dataset.action) post("/api/" + b.dataset.action);
  else if (b.dataset.category) post("/api/category", { name: b.dataset.category });
});
$("typed").addEventListener("submit", (e) => {
  e.preventDefault();
  const code = $("code").value.trim();
  if (code) post("/api/scan", { code: code }).then(() => { $("code").value = ""; });
});
fetch("/api/state").then((r) => r.json()).then(render).then(follow);
hints();
