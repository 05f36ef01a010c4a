// eventlens page: a client of the JSON API. Article text, titles and URLs are untrusted: they only ever
// reach the page as text nodes (textContent), and a URL becomes a link only if it is http(s).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const PAGE = 100;
const TYPE_COLORS = {
  ASSAULT: "#c0392b", COERCE: "#e67e22", DISPLACE: "#8e44ad", MOBILIZE: "#d35400", THREATEN: "#e74c3c",
  SANCTION: "#7f8c8d", PROTEST: "#f1c40f", ACCUSE: "#a0522d", REJECT: "#95a5a6", REQUEST: "#3498db",
  RETREAT: "#16a085", AID: "#27ae60", COOPERATE: "#2ecc71", CONCEDE: "#1abc9c", SUPPORT: "#2980b9",
  CONSULT: "#5dade2", AGREE: "#48c9b0",
};
const state = { offset: 0, total: 0, mode: "events", items: [], selected: null, world: null };

const $ = (id) => document.getElementById(id);
const color = (type) => TYPE_COLORS[type] || "#555";

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null && text !== undefined) node.textContent = String(text);
  return node;
}

function svgEl(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null && text !== undefined) node.textContent = String(text);
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

async function api(path, params) {
  const url = new URL(path, window.location.origin);
  if (params) for (const [k, v] of params) url.searchParams.append(k, v);
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : response.statusText);
  return body;
}

function showError(err) {
  const box = $("error");
  box.textContent = err ? String(err.message || err) : "";
  box.hidden = !err;
}

function filterParams() {
  const params = [];
  for (const [k, v] of new FormData($("filters"))) if (String(v).trim()) params.push([k, String(v).trim()]);
  return params;
}

// ---------------------------------------------------------------- map

function projection(points) {
  // Equirectangular, fitted to the points (or the world), with longitudes shrunk by cos(latitude) so
  // that countries keep their shape near the middle of the view.
  let west = -170, east = 190, south = -58, north = 80;
  if (points.length) {
    const lons = points.map((p) => p.lon), lats = points.map((p) => p.lat);
    west = Math.min(...lons); east = Math.max(...lons); south = Math.min(...lats); north = Math.max(...lats);
    const pad = Math.max(2.5, (east - west) * 0.25, (north - south) * 0.25);
    west -= pad; east += pad; south -= pad; north += pad;
  }
  const k = Math.cos(((south + north) / 2) * Math.PI / 180);
  const w = 800, h = 460;
  const spanX = (east - west) * k, spanY = north - south;
  const scale = Math.min(w / spanX, h / spanY);
  const x0 = (w - spanX * scale) / 2, y0 = (h - spanY * scale) / 2;
  return {
    west, east, south, north,
    xy: (lon, lat) => [x0 + (lon - west) * k * scale, y0 + (north - lat) * scale],
  };
}

function ringPath(ring, proj) {
  let d = "";
  ring.forEach(([lon, lat], i) => {
    const [x, y] = proj.xy(lon, lat);
    d += `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
  });
  return d + "Z";
}

function geometryPath(geometry, proj) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates]
    : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  let d = "";
  for (const polygon of polygons) {
    const [first] = polygon;
    const lons = first.map((c) => c[0]), lats = first.map((c) => c[1]);
    // Skip rings wholly outside the view: the 1:50m outlines are many points.
    if (Math.max(...lons) < proj.west - 20 || Math.min(...lons) > proj.east + 20
        || Math.max(...lats) < proj.south - 20 || Math.min(...lats) > proj.north + 20) continue;
    for (const ring of polygon) d += ringPath(ring, proj);
  }
  return d;
}

function drawMap(items) {
  const svg = $("map");
  clear(svg);
  const points = items.filter((it) => Number.isFinite(it.lat) && Number.isFinite(it.lon));
  const proj = projection(points);
  if (state.world) {
    const g = svgEl("g", { class: "countries" });
    for (const feature of state.world.features) {
      const d = geometryPath(feature.geometry, proj);
      if (d) g.appendChild(svgEl("path", { d, class: "country" }));
    }
    svg.appendChild(g);
  }
  const g = svgEl("g", { class: "points" });
  const sorted = [...points].sort((a, b) => b.size - a.size);
  for (const item of sorted) {
    const [x, y] = proj.xy(item.lon, item.lat);
    const circle = svgEl("circle", {
      cx: x.toFixed(1), cy: y.toFixed(1), r: (5 + 2.5 * Math.sqrt(item.size - 1)).toFixed(1),
      fill: color(item.type), class: "point", "data-kind": item.kind, "data-id": item.id,
    });
    circle.appendChild(svgEl("title", {}, `${item.type} · ${item.place || ""} · ${item.date || "undated"}`
      + (item.kind === "cluster" ? ` · ${item.size} mentions` : "")));
    circle.addEventListener("click", () => select(item));
    g.appendChild(circle);
  }
  svg.appendChild(g);
  const unmapped = items.length - points.length;
  $("unmapped").textContent = unmapped ? `${unmapped} of ${items.length} on this page have no resolved place.` : "";
}

// ---------------------------------------------------------------- list

function toItem(kind, raw) {
  if (kind === "cluster") {
    const loc = raw.event_loc || {};
    return { kind, id: raw.cluster_id, type: raw.event, lat: loc.lat, lon: loc.lon, place: loc.name,
      size: raw.n_mentions, date: raw.date,
      snippet: `${raw.n_mentions} mention(s), ${raw.n_sources} source(s): ${raw.text || ""}`, raw };
  }
  const loc = raw.event_loc || {};
  return { kind, id: raw.id, type: raw.event, lat: loc.lat, lon: loc.lon, place: loc.name || loc.entity_text,
    size: 1, date: raw.date, snippet: raw.text, raw };
}

function drawList() {
  const list = $("items");
  clear(list);
  for (const item of state.items) {
    const li = el("li");
    const button = el("button", { type: "button", "data-kind": item.kind, "data-id": item.id });
    const badge = el("span", { class: "badge" }, item.type);
    badge.style.background = color(item.type);
    button.append(badge, document.createTextNode(`${item.date || "undated"} · ${item.place || "no place"}`),
      el("span", { class: "snippet" }, item.snippet));
    button.addEventListener("click", () => select(item));
    li.appendChild(button);
    list.appendChild(li);
  }
  $("list-title").textContent = state.mode === "clusters" ? "Clusters" : "Events";
  $("list-count").textContent = `(${state.total})`;
  $("page").textContent = state.total ? `${state.offset + 1}–${state.offset + state.items.length} of ${state.total}` : "none";
  $("prev").disabled = state.offset === 0;
  $("next").disabled = state.offset + PAGE >= state.total;
}

// ---------------------------------------------------------------- evidence

function safeHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch (_) {
    return null;
  }
}

function highlight(container, text, spans) {
  // Offsets count Unicode code points (Python's str), so slice an array of code points, not UTF-16.
  const chars = Array.from(text);
  const cuts = new Set([0, chars.length]);
  const valid = spans.filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end)
    && s.start >= 0 && s.end <= chars.length && s.start < s.end);
  for (const s of valid) { cuts.add(s.start); cuts.add(s.end); }
  const points = [...cuts].sort((a, b) => a - b);
  let first = null;
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const segment = chars.slice(a, b).join("");
    const active = valid.filter((s) => s.start <= a && s.end >= b);
    if (!active.length) { container.appendChild(document.createTextNode(segment)); continue; }
    const mark = el("mark", { class: [...new Set(active.map((s) => `hl-${s.kind}`))].join(" ") }, segment);
    const labels = active.filter((s) => s.label).map((s) => `${s.kind}: ${s.label}`);
    if (labels.length) mark.title = labels.join("\n");
    container.appendChild(mark);
    if (!first && active.some((s) => s.kind === "sentence")) first = mark;
  }
  return first;
}

function addRow(dl, term, value) {
  if (value === null || value === undefined || value === "") return;
  dl.append(el("dt", {}, term), el("dd", {}, value));
}

const actorText = (list) => (list || []).map((a) => `${a.name || a.entity_text}${a.code ? ` [${a.code}]` : ""}`).join("; ");

async function showEvent(eventId) {
  const detail = await api(`/api/events/${encodeURIComponent(eventId)}`);
  const article = await api(`/api/articles/${encodeURIComponent(detail.article.doc_id)}`);
  const event = detail.event;
  $("evidence-empty").hidden = true;
  $("evidence").hidden = false;
  $("evidence").dataset.eventId = event.id;
  $("article-title").textContent = article.title || "(untitled article)";
  const meta = $("article-meta");
  clear(meta);
  meta.append(document.createTextNode([article.published, article.source].filter(Boolean).join(" · ")));
  if (article.url) {
    meta.append(document.createTextNode(" · "));
    const href = safeHref(article.url);
    if (href) {
      const link = el("a", { href, rel: "noopener noreferrer nofollow", target: "_blank" }, article.url);
      meta.append(link);
    } else {
      meta.append(el("span", { class: "url-text" }, article.url));
    }
  }
  const dl = $("record");
  clear(dl);
  addRow(dl, "event", `${event.event}${event.mode ? ` (${event.mode})` : ""}`);
  addRow(dl, "trigger", event.event_text);
  addRow(dl, "date", event.date_info ? `${event.date || "?"} (${event.date_info.earliest || "?"} – ${event.date_info.latest || "?"}, ${event.date_info.precision}, ${event.date_info.basis})` : event.date);
  const loc = event.event_loc;
  addRow(dl, "place", loc ? `${loc.name || loc.entity_text}${loc.country ? `, ${loc.country}` : ""}${loc.resolution ? ` (${loc.resolution})` : ""}` : null);
  addRow(dl, "actor", actorText(event.actor));
  addRow(dl, "recipient", actorText(event.recipient));
  addRow(dl, "size", Object.entries(event.size || {}).map(([k, c]) => `${k}: ${c.qualifier ? `${c.qualifier} ` : ""}${c.low ?? "?"}${c.high && c.high !== c.low ? `–${c.high}` : ""}`).join("; "));
  addRow(dl, "modality", `${event.modality}, ${event.specificity}${event.historical ? ", historical" : ""}`);
  addRow(dl, "attributed", event.attribution ? event.attribution.text : null);
  addRow(dl, "cluster", detail.cluster_id);
  addRow(dl, "confidence", event.confidence);
  // This event's parts, and the places mentioned inside its sentence.
  const spans = detail.spans.filter((s) => s.event_id === event.id);
  const sentence = event.text_info;
  for (const s of article.spans) {
    if (s.kind === "place" && s.start >= sentence.start && s.end <= sentence.end) spans.push(s);
  }
  const box = $("article-text");
  clear(box);
  const first = highlight(box, article.text, spans);
  if (first) first.scrollIntoView({ block: "center" });
  for (const node of document.querySelectorAll(".point.selected")) node.classList.remove("selected");
  for (const node of document.querySelectorAll("[data-id]")) {
    if (node.dataset.id === event.id || node.dataset.id === detail.cluster_id) {
      if (node.classList.contains("point")) node.classList.add("selected");
      else node.setAttribute("aria-current", "true");
    } else if (!node.classList.contains("point")) {
      node.removeAttribute("aria-current");
    }
  }
}

async function select(item) {
  try {
    const members = $("members");
    clear(members);
    if (item.kind === "cluster") {
      const cluster = await api(`/api/clusters/${encodeURIComponent(item.id)}`);
      members.append(el("span", { class: "muted" }, `cluster of ${cluster.events.length} mention(s): `));
      for (const event of cluster.events) {
        const button = el("button", { type: "button" }, `${event.event} ${event.date || ""} ${event.doc_id.slice(0, 12)}`);
        button.addEventListener("click", () => showEvent(event.id).catch(showError));
        members.append(button);
      }
      await showEvent(cluster.events[0].id);
    } else {
      await showEvent(item.id);
    }
    showError(null);
  } catch (err) {
    showError(err);
  }
}

// ---------------------------------------------------------------- timeline

function drawTimeline(data) {
  const svg = $("timeline");
  clear(svg);
  $("undated").textContent = data.undated ? `(${data.undated} undated not shown)` : "";
  const periods = [...new Set(data.series.map((r) => r.period))].sort();
  const legend = $("type-legend");
  clear(legend);
  if (!periods.length) { svg.appendChild(svgEl("text", { x: 10, y: 20, class: "axis" }, "no dated events")); return; }
  const byPeriod = new Map(periods.map((p) => [p, []]));
  for (const r of data.series) byPeriod.get(r.period).push(r);
  const times = periods.map((p) => Date.parse(p));
  const t0 = times[0], t1 = times[times.length - 1];
  const w = 800, h = 170, left = 30, bottom = 20, top = 8;
  const max = Math.max(...periods.map((p) => byPeriod.get(p).reduce((n, r) => n + r.count, 0)));
  const step = { day: 864e5, week: 7 * 864e5, month: 30.4 * 864e5 }[data.interval];
  const span = Math.max(t1 - t0 + step, step);
  const x = (t) => left + ((t - t0) / span) * (w - left - 10);
  const barW = Math.max(2, Math.min(40, ((w - left - 10) * step) / span - 1));
  const y = (n) => h - bottom - (n / max) * (h - bottom - top);
  svg.appendChild(svgEl("line", { x1: left, x2: w - 10, y1: h - bottom, y2: h - bottom, stroke: "#999" }));
  svg.appendChild(svgEl("text", { x: 2, y: top + 8, class: "axis" }, max));
  const types = new Set();
  periods.forEach((p, i) => {
    let acc = 0;
    for (const r of byPeriod.get(p)) {
      types.add(r.type);
      const rect = svgEl("rect", { x: x(times[i]).toFixed(1), width: barW.toFixed(1), y: y(acc + r.count).toFixed(1),
        height: (y(acc) - y(acc + r.count)).toFixed(1), fill: color(r.type), class: "bar" });
      rect.appendChild(svgEl("title", {}, `${p}: ${r.count} ${r.type}`));
      svg.appendChild(rect);
      acc += r.count;
    }
  });
  const ticks = periods.length <= 6 ? periods : [periods[0], periods[Math.floor(periods.length / 2)], periods[periods.length - 1]];
  for (const p of ticks) svg.appendChild(svgEl("text", { x: x(Date.parse(p)).toFixed(1), y: h - 5, class: "axis" }, p));
  for (const t of [...types].sort()) {
    const item = el("span");
    const swatch = el("i");
    swatch.style.background = color(t);
    item.append(swatch, document.createTextNode(t));
    legend.appendChild(item);
  }
}

// ---------------------------------------------------------------- network

function layout(nodes, edges, w, h) {
  // A small force layout (repulsion, springs, gravity), run to rest before drawing: deterministic for
  // the same data, which keeps screenshots and tests stable; fine for the few hundred nodes served.
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const pos = nodes.map((_, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, nodes.length);
    return { x: w / 2 + (w / 3) * Math.cos(a), y: h / 2 + (h / 3) * Math.sin(a) };
  });
  const links = edges.map((e) => [index.get(e.source), index.get(e.target)]).filter(([a, b]) => a !== undefined && b !== undefined);
  const k = Math.sqrt((w * h) / Math.max(1, nodes.length)) * 0.35;
  for (let iter = 0; iter < 300; iter++) {
    const disp = pos.map(() => ({ x: 0, y: 0 }));
    for (let i = 0; i < pos.length; i++) {
      for (let j = i + 1; j < pos.length; j++) {
        let dx = pos[i].x - pos[j].x, dy = pos[i].y - pos[j].y;
        const d2 = Math.max(1, dx * dx + dy * dy), f = (k * k) / d2;
        dx *= f; dy *= f;
        disp[i].x += dx; disp[i].y += dy; disp[j].x -= dx; disp[j].y -= dy;
      }
    }
    for (const [a, b] of links) {
      const dx = pos[a].x - pos[b].x, dy = pos[a].y - pos[b].y, d = Math.max(1, Math.hypot(dx, dy));
      const f = d / k;  // Fruchterman-Reingold attraction d^2/k, along the edge
      disp[a].x -= dx * f; disp[a].y -= dy * f; disp[b].x += dx * f; disp[b].y += dy * f;
    }
    const temp = 30 * (1 - iter / 300) + 0.5;
    pos.forEach((p, i) => {
      disp[i].x += (w / 2 - p.x) * 0.05; disp[i].y += (h / 2 - p.y) * 0.05;
      const d = Math.max(1e-6, Math.hypot(disp[i].x, disp[i].y)), m = Math.min(d, temp);
      p.x += (disp[i].x / d) * m;
      p.y += (disp[i].y / d) * m;
    });
  }
  // Fit the drawing to the box (leaving room for labels) rather than clamping nodes onto its edges.
  const xs = pos.map((p) => p.x), ys = pos.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  for (const p of pos) {
    p.x = 30 + ((p.x - x0) / Math.max(1, x1 - x0)) * (w - 150);
    p.y = 20 + ((p.y - y0) / Math.max(1, y1 - y0)) * (h - 40);
  }
  return pos;
}

function drawNetwork(data) {
  const svg = $("network");
  clear(svg);
  if (!data.nodes.length) { svg.appendChild(svgEl("text", { x: 10, y: 20, class: "axis" }, "no actor relations")); return; }
  const pos = layout(data.nodes, data.edges, 800, 420);
  const at = new Map(data.nodes.map((n, i) => [n.id, pos[i]]));
  const maxW = Math.max(...data.edges.map((e) => e.weight), 1);
  for (const e of data.edges) {
    const a = at.get(e.source), b = at.get(e.target);
    const line = svgEl("line", { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1),
      class: `edge ${e.origin}`, stroke: e.origin === "event" ? color(e.kind) : "#555",
      "stroke-width": (1 + 3 * e.weight / maxW).toFixed(1) });
    line.appendChild(svgEl("title", {}, `${e.kind} ×${e.weight}`));
    svg.appendChild(line);
  }
  const maxN = Math.max(...data.nodes.map((n) => n.weight), 1);
  data.nodes.forEach((n, i) => {
    const g = svgEl("g", { class: "node", "data-actor": n.id });
    g.appendChild(svgEl("circle", { cx: pos[i].x.toFixed(1), cy: pos[i].y.toFixed(1), r: (4 + 6 * Math.sqrt(n.weight / maxN)).toFixed(1) }));
    g.appendChild(svgEl("text", { x: (pos[i].x + 8).toFixed(1), y: (pos[i].y + 3).toFixed(1) }, n.name || n.id));
    g.appendChild(svgEl("title", {}, `${n.name || n.id}${n.code ? ` [${n.code}]` : ""} · weight ${n.weight}`));
    g.addEventListener("click", () => {
      $("filters").elements.actor.value = n.code || n.name || "";
      state.offset = 0;
      refresh();
    });
    svg.appendChild(g);
  });
}

// ---------------------------------------------------------------- wiring

async function refresh() {
  try {
    const params = filterParams();
    const page = [...params, ["limit", String(PAGE)], ["offset", String(state.offset)]];
    const clusters = await api("/api/clusters", page);
    if (clusters.clustered) {
      state.mode = "clusters";
      state.total = clusters.total;
      state.items = clusters.items.map((c) => toItem("cluster", c));
    } else {
      const events = await api("/api/events", page);
      state.mode = "events";
      state.total = events.total;
      state.items = events.items.map((e) => toItem("event", e));
    }
    $("map-title").textContent = state.mode === "clusters" ? "Map of clusters" : "Map of events";
    drawMap(state.items);
    drawList();
    drawTimeline(await api("/api/timeline", [...params, ["interval", $("interval").value]]));
    showError(null);
    document.body.dataset.ready = "true";
  } catch (err) {
    showError(err);
  }
}

function fillSelect(select, counts) {
  for (const [value, n] of Object.entries(counts)) select.appendChild(el("option", { value }, `${value} (${n})`));
}

async function init() {
  const form = $("filters");
  form.addEventListener("submit", (ev) => { ev.preventDefault(); state.offset = 0; refresh(); });
  form.addEventListener("reset", () => setTimeout(() => { state.offset = 0; refresh(); }, 0));
  $("prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - PAGE); refresh(); });
  $("next").addEventListener("click", () => { state.offset += PAGE; refresh(); });
  $("interval").addEventListener("change", () => refresh());
  try {
    const [stats, facets, world, net] = await Promise.all([
      api("/api/stats"), api("/api/facets"),
      fetch("/static/vendor/countries-50m.json").then((r) => r.json()),
      api("/api/network", [["max_nodes", "60"]]),
    ]);
    $("stats").textContent = `${stats.articles} articles · ${stats.events} events · ${stats.clusters} clusters · ${stats.relations} relations`;
    fillSelect(form.elements.type, facets.types);
    fillSelect(form.elements.country, facets.countries);
    fillSelect(form.elements.modality, facets.modalities);
    state.world = window.topojson.feature(world, world.objects.countries);
    drawNetwork(net);
  } catch (err) {
    showError(err);
  }
  await refresh();
}

document.addEventListener("DOMContentLoaded", init);
