// nerlab web page: tag texts with the server's /v1/entities and show the entities, or (a text
// classifier) classify them with /v1/classify and show a bar per class for each text.
// No external assets; user text only ever enters the page through textContent.
"use strict";

const PALETTE = [
  ["#dbe8ff", "#2456c7"], ["#ffe1d6", "#c2410c"], ["#dcf5e3", "#15803d"],
  ["#f3e1ff", "#7e22ce"], ["#fff3c4", "#a16207"], ["#d6f4f7", "#0e7490"],
  ["#ffdde8", "#be123c"], ["#e8e8e8", "#525252"], ["#e6f2cf", "#4d7c0f"],
  ["#e0e1ff", "#4338ca"], ["#fde2f3", "#a21caf"], ["#d7ecff", "#0369a1"],
];
const state = { types: [], limits: { max_texts: 256 }, last: null, classifier: false };
const $ = (id) => document.getElementById(id);

function colour(label) {
  let i = state.types.indexOf(label);
  if (i < 0) {
    state.types.push(label);
    i = state.types.length - 1;
    renderLegend();
  }
  return PALETTE[i % PALETTE.length];
}

function setStatus(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h.Authorization = "Bearer " + key;
  return h;
}

async function api(path, body) {
  const init = body === undefined
    ? { headers: headers() }
    : { method: "POST", headers: headers(), body: JSON.stringify(body) };
  const res = await fetch(path, init);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const msg = data && data.message ? data.message : res.status + " " + res.statusText;
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }
  return data;
}

// A label in its colour (the legend, the tables).
function chip(label) {
  const el = document.createElement("span");
  const [bg, border] = colour(label);
  el.className = "chip";
  el.style.setProperty("--c", bg);
  el.style.setProperty("--b", border);
  el.textContent = label;
  return el;
}

// The box of one document in the output panel, headed by its file name when there is one.
function docBox(className, name) {
  const doc = document.createElement("div");
  doc.className = className;
  if (name !== null) {
    const head = document.createElement("span");
    head.className = "doc-name";
    head.textContent = name;
    doc.append(head);
  }
  return doc;
}

function renderLegend() {
  const legend = $("legend");
  legend.replaceChildren();
  for (const type of state.types) {
    const el = chip(type);
    el.dataset.label = type;
    legend.append(el);
  }
}

async function loadModel() {
  try {
    const info = await api("/v1/model");
    $("model-name").textContent = info.name;
    $("model-facts").textContent =
      `${info.task} · ${info.backend} ${info.precision} · max length ${info.max_length}` +
      (info.batching ? ` · batching ${info.max_batch_tokens} tokens` : " · batching off");
    state.limits = info.limits;
    state.types = [];
    state.classifier = info.task === "text-classification";
    document.body.classList.toggle("classifier", state.classifier);
    if (state.classifier) useClassifierLayout(info);
    for (const type of state.classifier ? info.labels : info.entity_types) colour(type);
    renderLegend();
  } catch (err) {
    $("model-name").textContent = "model unknown";
    if (err.status === 401) setStatus("this server needs an API key: enter it, then tag", true);
    else setStatus("could not read /v1/model: " + err.message, true);
  }
}

function highlight(text, entities) {
  // Offsets count Unicode code points (Python str indices), not JavaScript's UTF-16 units.
  const chars = Array.from(text);
  const slice = (a, b) => chars.slice(a, b).join("");
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const ent of entities) {
    if (ent.start < at) continue; // entities never overlap; guard anyway
    frag.append(document.createTextNode(slice(at, ent.start)));
    const [bg, border] = colour(ent.label);
    const mark = document.createElement("mark");
    mark.className = "ent";
    mark.tabIndex = 0;
    mark.dataset.label = ent.label;
    mark.dataset.score = String(ent.score);
    mark.dataset.tip = `${ent.label} · score ${ent.score.toFixed(3)}`;
    mark.title = mark.dataset.tip;
    mark.style.setProperty("--c", bg);
    mark.style.setProperty("--b", border);
    const span = document.createElement("span");
    span.className = "ent-text";
    span.textContent = slice(ent.start, ent.end);
    const tag = document.createElement("span");
    tag.className = "ent-label";
    tag.textContent = ent.label;
    mark.append(span, tag);
    frag.append(mark);
    at = ent.end;
  }
  frag.append(document.createTextNode(slice(at, chars.length)));
  return frag;
}

function cell(row, value, cls) {
  const td = document.createElement("td");
  if (cls) td.className = cls;
  if (value instanceof Node) td.append(value);
  else td.textContent = String(value);
  row.append(td);
}

function render(texts, results, names) {
  const out = $("output");
  const body = $("entities").querySelector("tbody");
  out.replaceChildren();
  body.replaceChildren();
  let n = 0;
  results.forEach((result, i) => {
    const doc = docBox("doc", names ? names[i] : null);
    doc.append(highlight(texts[i], result.entities));
    out.append(doc);
    for (const ent of result.entities) {
      const row = document.createElement("tr");
      cell(row, ++n, "num");
      cell(row, ent.text);
      cell(row, chip(ent.label));
      cell(row, ent.start, "num");
      cell(row, ent.end, "num");
      cell(row, ent.score.toFixed(3), "num");
      body.append(row);
    }
  });
  return n;
}

function useClassifierLayout(info) {
  $("tag").textContent = "Classify";
  $("output-panel").querySelector(".label").textContent = "Classes";
  $("table-panel").querySelector(".label").textContent = "Predicted";
  $("output").replaceChildren();
  const hint = document.createElement("p");
  hint.className = "muted";
  hint.textContent = "Classified texts appear here, with a bar per class" +
    (info.multi_label ? " (several classes may be predicted)." : ".");
  $("output").append(hint);
  const head = $("entities").querySelector("thead tr");
  head.replaceChildren();
  for (const [name, cls] of [["#", "num"], ["text", ""], ["label", ""], ["score", "num"]]) {
    const th = document.createElement("th");
    if (cls) th.className = cls;
    th.textContent = name;
    head.append(th);
  }
}

function bars(result) {
  const box = document.createElement("div");
  box.className = "bars";
  for (const [label, score] of Object.entries(result.scores)) {
    const [bg, border] = colour(label);
    const bar = document.createElement("div");
    bar.className = result.labels.includes(label) ? "bar predicted" : "bar";
    bar.dataset.label = label;
    bar.dataset.score = String(score);
    const name = document.createElement("span");
    name.className = "bar-name";
    name.textContent = label;
    const track = document.createElement("span");
    track.className = "bar-track";
    const fill = document.createElement("span");
    fill.className = "bar-fill";
    fill.style.width = (100 * score).toFixed(1) + "%";
    fill.style.setProperty("--c", bg);
    fill.style.setProperty("--b", border);
    track.append(fill);
    const value = document.createElement("span");
    value.className = "bar-value";
    value.textContent = score.toFixed(3);
    bar.append(name, track, value);
    box.append(bar);
  }
  return box;
}

function renderClasses(texts, results, names) {
  const out = $("output");
  const body = $("entities").querySelector("tbody");
  out.replaceChildren();
  body.replaceChildren();
  results.forEach((result, i) => {
    const doc = docBox("doc classified", names ? names[i] : null);
    const text = document.createElement("p");
    text.className = "doc-text";
    text.textContent = texts[i];
    doc.append(text, bars(result));
    out.append(doc);
    const row = document.createElement("tr");
    const chips = document.createElement("span");
    for (const label of result.labels.length ? result.labels : [result.label]) {
      chips.append(chip(label));
    }
    cell(row, i + 1, "num");
    cell(row, texts[i]);
    cell(row, chips);
    cell(row, result.score.toFixed(3), "num");
    body.append(row);
  });
}

async function tag(texts, names) {
  const button = $("tag");
  button.disabled = true;
  setStatus(state.classifier ? "classifying…" : "tagging…");
  try {
    const results = [];
    let model = "";
    const size = Math.max(1, state.limits.max_texts || 1);
    const route = state.classifier ? "/v1/classify" : "/v1/entities";
    for (let i = 0; i < texts.length; i += size) {
      const data = await api(route, { texts: texts.slice(i, i + size) });
      model = data.model;
      results.push(...data.results);
    }
    state.last = { model, results };
    $("copy-json").disabled = false;
    if (state.classifier) {
      renderClasses(texts, results, names);
      setStatus(`${texts.length} text(s) classified`);
      return;
    }
    const n = render(texts, results, names);
    setStatus(`${texts.length} text(s), ${n} entit${n === 1 ? "y" : "ies"}`);
  } catch (err) {
    setStatus(err.message, true);
    if (err.status === 401) $("api-key").focus();
  } finally {
    button.disabled = false;
  }
}

function textsOfFile(name, content) {
  const lines = content.replace(/\r\n?/g, "\n").split("\n");
  if (!name.toLowerCase().endsWith(".jsonl")) {
    return lines.filter((l) => l.trim() !== "");
  }
  const texts = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let obj;
    try { obj = JSON.parse(line); } catch (e) {
      throw new Error(`${name}:${i + 1}: not JSON`);
    }
    if (!obj || typeof obj.text !== "string") {
      throw new Error(`${name}:${i + 1}: no "text" field; each line must be {"text": "..."}`);
    }
    texts.push(obj.text);
  });
  return texts;
}

async function tagFile(file) {
  if (!/\.(txt|jsonl)$/i.test(file.name)) {
    setStatus(`${file.name}: drop a .txt or .jsonl file`, true);
    return;
  }
  try {
    const texts = textsOfFile(file.name, await file.text());
    if (texts.length === 0) {
      setStatus(`${file.name}: no text in it`, true);
      return;
    }
    await tag(texts, texts.map((_, i) => `${file.name} · ${i + 1}`));
  } catch (err) {
    setStatus(err.message, true);
  }
}

async function copyJson() {
  if (!state.last) return;
  const text = JSON.stringify(state.last, null, 2);
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) { // no clipboard API (plain http on another host): the old way
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const button = $("copy-json");
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = "Copy JSON"; }, 1500);
}

function setUp() {
  const key = $("api-key");
  key.value = sessionStorage.getItem("nerlab-api-key") || "";
  key.addEventListener("change", () => {
    sessionStorage.setItem("nerlab-api-key", key.value.trim());
    loadModel();
  });
  $("tag").addEventListener("click", () => tag([$("text").value]));
  $("text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) tag([$("text").value]);
  });
  $("copy-json").addEventListener("click", copyJson);
  $("file").addEventListener("change", (e) => {
    if (e.target.files.length) tagFile(e.target.files[0]);
    e.target.value = "";
  });
  const overlay = $("drop-overlay");
  document.addEventListener("dragover", (e) => { e.preventDefault(); overlay.hidden = false; });
  document.addEventListener("dragleave", (e) => {
    if (e.relatedTarget === null) overlay.hidden = true;
  });
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    overlay.hidden = true;
    if (e.dataTransfer && e.dataTransfer.files.length) tagFile(e.dataTransfer.files[0]);
  });
  loadModel();
}

setUp();
