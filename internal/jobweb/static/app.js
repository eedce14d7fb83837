// The job page: it polls the JSON API it is drawn from (GET /api/jobs,
// GET /api/jobs/{id}) every second and redraws. No framework, no build.
"use strict";
const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
const row = (cells) => { const tr = el("tr"); for (const [text, cls] of cells) tr.append(el("td", text, cls)); return tr; };
const num = (n) => Number(n).toLocaleString("en-US");
function bytes(n) {
  const u = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return i === 0 ? n.toFixed(0) + " B" : n.toFixed(1) + " " + u[i];
}
function duration(s) {
  s = Math.round(s); const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
  return (h ? h + "h " : "") + (h || m ? m + "m " : "") + r + "s";
}

async function get(url) {
  const r = await fetch(url, { cache: "no-store" });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

async function showList() {
  $("list").hidden = false;
  const { jobs } = await get("/api/jobs");
  const tb = $("jobs").tBodies[0]; tb.replaceChildren();
  $("nojobs").hidden = jobs.length > 0;
  for (const j of jobs) {
    const tr = row([["", "mono"], [j.state, "state " + j.state], [new Date(j.created).toLocaleString()],
      [j.sources.join(", ") + " \u2192 " + j.target, "path"], [j.files_total ? num(j.files_total) : "-"], [j.bytes_total ? bytes(j.bytes_total) : "-"]]);
    const a = el("a", j.id); a.href = "/jobs/" + encodeURIComponent(j.id); tr.cells[0].append(a);
    tb.append(tr);
  }
}

function drawChart(history) {
  const svg = $("chart"), W = 800, H = 200, ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  for (let y = 50; y < H; y += 50) { const l = document.createElementNS(ns, "line"); l.setAttribute("class", "grid"); l.setAttribute("x1", 0); l.setAttribute("x2", W); l.setAttribute("y1", y); l.setAttribute("y2", y); svg.append(l); }
  const maxB = Math.max(1, ...history.map((p) => p.bytes_per_s)), maxF = Math.max(1, ...history.map((p) => p.files_per_s));
  $("max-bps").textContent = bytes(maxB) + "/s"; $("max-fps").textContent = maxF.toFixed(1);
  if (history.length < 2) return;
  const t0 = history[0].t, span = Math.max(1, history[history.length - 1].t - t0);
  const pts = (key, max) => history.map((p) => ((p.t - t0) / span * W).toFixed(1) + "," + (H - 4 - p[key] / max * (H - 10)).toFixed(1));
  const area = document.createElementNS(ns, "polygon"); area.setAttribute("class", "bytes");
  area.setAttribute("points", "0," + H + " " + pts("bytes_per_s", maxB).join(" ") + " " + W + "," + H); svg.append(area);
  const line = document.createElementNS(ns, "polyline"); line.setAttribute("class", "files");
  line.setAttribute("points", pts("files_per_s", maxF).join(" ")); svg.append(line);
}

function drawJob(j) {
  const p = j.progress;
  $("where").textContent = "job " + j.id;
  $("job-id").textContent = j.id;
  $("state").textContent = j.state; $("state").className = "state " + j.state;
  $("route").textContent = j.sources.join(", ") + " \u2192 " + j.target;
  const pct = p.listing ? 0 : p.bytes_total > 0 ? 100 * p.bytes_done / p.bytes_total : (p.files_total > 0 ? 100 * p.files_done / p.files_total : 100);
  $("bar-fill").style.width = pct.toFixed(1) + "%";
  $("bar-text").textContent = p.listing ? "listing\u2026" : pct.toFixed(1) + "%";
  $("files").textContent = num(p.files_done) + " / " + num(p.files_total) + (p.listing ? "+" : "");
  $("bytes").textContent = bytes(p.bytes_done) + " / " + bytes(p.bytes_total);
  $("rate").textContent = bytes(j.bytes_per_s) + "/s, " + j.files_per_s.toFixed(1) + " files/s";
  $("eta").textContent = j.report ? "done" : j.eta_s === undefined ? "unknown" : duration(j.eta_s);
  $("elapsed").textContent = duration(p.elapsed_s);
  $("failed").textContent = num(p.files_failed + p.dirs_failed);
  drawChart(j.history);
  const cb = $("copiers").tBodies[0]; cb.replaceChildren();
  $("ncopiers").textContent = j.copiers.length + " with copies in flight";
  for (const c of j.copiers) cb.append(row([[c.name, "mono"], [new Date(c.seen).toLocaleTimeString()], [c.items.map((i) => "#" + i.index + ": " + bytes(i.bytes)).join(", "), "mono"]]));
  const fb = $("failures").tBodies[0]; fb.replaceChildren();
  $("nfailures").textContent = j.failures.length ? num(j.failures.length) : "none";
  for (const f of j.failures) fb.append(row([[f.src, "path"], [f.dst, "path"], [String(f.attempt)], [f.error, "err"]]));
  drawReport(j.report);
}

function drawReport(r) {
  $("report").hidden = !r;
  if (!r) return;
  const dl = $("report-stats"); dl.replaceChildren();
  for (const [k, v] of [["State", r.state], ["Files copied", num(r.files_copied)], ["Files skipped", num(r.files_skipped)], ["Files failed", num(r.files_failed)],
    ["Dirs created", num(r.dirs_created)], ["Files deleted", num(r.files_deleted)], ["Bytes copied", bytes(r.bytes_copied)], ["Bytes skipped", bytes(r.bytes_skipped)],
    ["Retries", num(r.retries)], ["Duration", duration(r.duration_seconds)]]) {
    const d = el("div"); d.append(el("dt", k), el("dd", v)); dl.append(d);
  }
  const rf = $("report-failures"); rf.replaceChildren();
  if (r.failures && r.failures.length) {
    const t = el("table"); t.append(el("thead")); t.tHead.append(row([["Report's failures"], [""]]));
    for (const f of r.failures) t.append(row([[(f.src || f.dst || ""), "path"], [f.error, "err"]]));
    rf.append(t);
  }
}

async function showJob(id) {
  $("job").hidden = false;
  const url = "/api/jobs/" + encodeURIComponent(id);
  $("api-link").href = url; $("api-link").textContent = url;
  const j = await get(url);
  drawJob(j);
  return j.final;
}

async function tick() {
  const m = location.pathname.match(/^\/jobs\/([^/]+)$/);
  let done = false;
  try {
    done = m ? await showJob(decodeURIComponent(m[1])) : (await showList(), false);
  } catch (e) {
    $("where").textContent = "error: " + e.message;
  }
  // A job every second; the list (a few requests per job) every 5 s.
  if (!done) setTimeout(tick, m ? 1000 : 5000);
}
tick();
