"use strict";
// Polls /_page/state.json every second and renders guests with Overview / Orders tabs.
const view = { guest: null, tab: "overview", query: "", state: null };

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
function money(price, currency) { return `${esc(Number(price).toFixed(2))} ${esc(currency)}`; }
function api(name) { return `<span class="api ${esc(name)}">${esc(name)}</span>`; }
function kv(data) {
  const keys = Object.keys(data || {});
  if (!keys.length) return "";
  return `<div class="kv">${keys.map((k) => `<span><b>${esc(k)}</b> ${esc(data[k])}</span>`).join("")}</div>`;
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  view.guest = params.get("guest") || view.guest;
  view.tab = params.get("tab") || view.tab;
}
function writeHash() {
  const params = new URLSearchParams({ tab: view.tab });
  if (view.guest) params.set("guest", view.guest);
  history.replaceState(null, "", `#${params}`);
}

function allGuests() {
  const state = view.state;
  if (!state) return [];
  const unlinked = state.unlinked.length
    ? [{ ref: "_unlinked", type: "no guest", name: "Orders without a guest", email: "", identifiers: [], orders: state.unlinked }]
    : [];
  return state.guests.concat(unlinked);
}
function matches(guest) {
  const q = view.query.toLowerCase();
  if (!q) return true;
  const text = [guest.name, guest.email, guest.ref, ...guest.orders.map((o) => o.referenceId)].join(" ").toLowerCase();
  return text.includes(q);
}

function renderList(guests) {
  document.getElementById("guests").innerHTML = guests.filter(matches).map((g) => `
    <li data-ref="${esc(g.ref)}" class="${g.ref === view.guest ? "sel" : ""}">
      <div class="g-name">${esc(g.name || g.email || "Anonymous guest")}</div>
      <div class="g-sub">${esc(g.type)} · ${g.orders.length} order(s)${g.email ? " · " + esc(g.email) : ""}</div>
    </li>`).join("");
}

function renderBatches(batches) {
  const list = document.getElementById("batches");
  if (!batches.length) { list.innerHTML = `<li class="empty">None yet.</li>`; return; }
  list.innerHTML = batches.map((b) => {
    const stats = b.stats ? `${b.stats.records_succeeded}/${b.stats.records_read} ok` : "";
    const log = b.log ? `<a href="${esc(b.log)}">error log</a>` : "";
    return `<li><span class="badge ${esc(b.status)}">${esc(b.status)}</span>
      <span class="b-ref">${esc(b.ref.slice(0, 8))}</span><span>${esc(stats)}</span>${log}</li>`;
  }).join("");
}

function renderLines(lines) {
  if (!lines.length) return `<p class="empty">No lines.</p>`;
  const rows = lines.map((l) => `<tr>
      <td>${esc(l.name)}<div class="o-meta">${esc(l.productId || "")}</div>${kv(l.ext)}</td>
      <td>${esc(l.type)}</td><td>${esc(l.status || "")}</td>
      <td class="num">${esc(l.quantity ?? "")}</td><td class="num">${money(l.price, l.currency)}</td>
      <td>${api(l.createdBy)}${l.modifiedBy !== l.createdBy ? " → " + api(l.modifiedBy) : ""}</td></tr>`).join("");
  return `<table><thead><tr><th>Line</th><th>Type</th><th>Status</th><th class="num">Qty</th><th class="num">Unit price</th><th>API</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderOrder(o) {
  const history = o.history.map((h) => `${esc(h.status)} by ${esc(h.api)} at ${esc(h.at)}`).join(" → ");
  return `<article class="order" data-order="${esc(o.referenceId)}">
    <div class="o-head">
      <span class="o-ref">${esc(o.referenceId)}</span><span class="badge ${esc(o.status)}">${esc(o.status)}</span>
      <span class="o-meta">ordered ${esc(o.orderedAt)} · ${esc(o.channel || "—")} · ${esc(o.pointOfSale || "—")} · ${esc(o.paymentType || "")}</span>
      <span class="o-total">${money(o.price, o.currency)}</span>
    </div>
    <div class="o-body">
      <div class="o-meta o-apis">created by ${api(o.createdBy)} · last changed by ${api(o.modifiedBy)} at ${esc(o.modifiedAt)}</div>
      ${renderLines(o.lines)}
      ${Object.keys(o.ext).length ? `<h3>Order data extension (ext)</h3>${kv(o.ext)}` : ""}
      <h3>Status history</h3><div class="history">${history || "—"}</div>
    </div></article>`;
}

function renderOverview(g) {
  const total = g.orders.reduce((sum, o) => sum + Number(o.price), 0);
  const ids = g.identifiers.map((i) => `${esc(i.provider)}: ${esc(i.id)}`).join(", ") || "—";
  return `<dl class="profile">
    <dt>Guest ref</dt><dd>${esc(g.ref)}</dd><dt>Type</dt><dd>${esc(g.type)}</dd>
    <dt>Email</dt><dd>${esc(g.email || "—")}</dd><dt>Identifiers</dt><dd>${ids}</dd>
    <dt>Created by</dt><dd>${g.createdBy ? api(g.createdBy) : "—"} ${esc(g.createdAt || "")}</dd>
    <dt>Orders</dt><dd>${g.orders.length} · ${esc(total.toFixed(2))} total</dd></dl>`;
}

function renderDetail(guests) {
  const detail = document.getElementById("detail");
  const guest = guests.find((g) => g.ref === view.guest);
  if (!guest) { detail.innerHTML = `<p class="empty">No guests yet. Send a Stream order, a REST order with a contact, or a Batch file.</p>`; return; }
  const body = view.tab === "orders"
    ? (guest.orders.length ? guest.orders.map(renderOrder).join("") : `<p class="empty">No orders.</p>`)
    : renderOverview(guest);
  detail.innerHTML = `<div class="g-head"><h1>${esc(guest.name || guest.email || "Anonymous guest")}</h1>
      <div class="g-sub">${esc(guest.email || "")} · ${esc(guest.type)}</div></div>
    <nav class="tabs">
      <button class="tab ${view.tab === "overview" ? "on" : ""}" data-tab="overview">Overview</button>
      <button class="tab ${view.tab === "orders" ? "on" : ""}" data-tab="orders">Orders (${guest.orders.length})</button>
    </nav><div id="tab-body">${body}</div>`;
}

function render() {
  const guests = allGuests();
  if (!view.guest && guests.length) view.guest = guests[0].ref;
  const counts = view.state.counts;
  document.getElementById("counts").textContent = `${counts.guests} guests · ${counts.orders} orders · ${(view.state.batches || []).length} batch upload(s) · updated ${view.state.generatedAt}`;
  renderList(guests);
  renderDetail(guests);
  renderBatches(view.state.batches || []);
}

async function poll() {
  const live = document.getElementById("live");
  try {
    const response = await fetch("/_page/state.json", { cache: "no-store" });
    view.state = await response.json();
    live.className = "live ok";
    document.getElementById("live-text").textContent = "live";
    render();
  } catch (err) {
    live.className = "live err";
    document.getElementById("live-text").textContent = "offline";
  }
  setTimeout(poll, 1000);
}

document.addEventListener("click", (event) => {
  const item = event.target.closest("[data-ref]");
  const tab = event.target.closest("[data-tab]");
  if (item) view.guest = item.dataset.ref;
  if (tab) view.tab = tab.dataset.tab;
  if (item || tab) { writeHash(); if (view.state) render(); }
});
document.getElementById("search").addEventListener("input", (event) => {
  view.query = event.target.value;
  if (view.state) render();
});
readHash();
poll();
