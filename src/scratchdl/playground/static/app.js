// The playground page: controls that POST settings, views drawn from the server's event stream.
// Every number shown comes from the server (scratchdl's layers); this file only draws and asks.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const $ = id => document.getElementById(id);
const LR_CHOICES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DROPOUT_CHOICES = [0, 0.1, 0.2, 0.3, 0.5];
const DECAY_CHOICES = [0, 0.0001, 0.001, 0.01, 0.1];
const MAX_HISTORY = 1000;  // as the server: older records thinned to every other one
const SELECTS = {dataset: "dataset", activation: "activation", init: "init", optimizer: "optimizer"};
const ELEMENT_OF = {noise: "noise", test_fraction: "test-fraction", seed: "seed", lr: "lr",
                    batch_size: "batch-size", batchnorm: "batchnorm", dropout: "dropout",
                    weight_decay: "weight-decay", ...SELECTS};

let linkedHash = location.hash.slice(1);  // the setting a link asked for, read before the page rewrites it
const state = {
  info: null, settings: null, layers: [], run: -1, history: [], points: null, boundary: null,
  boundaryImage: null, units: null, zoom: null, lang: "en", hashApplied: false, chartsPending: false,
  framesReceived: 0,  // read by benchmarks/playground_soak.py
};

// ---- talking to the server ---------------------------------------------------------------
function setStatus(text, isError) {
  const status = $("status");
  status.textContent = text || "";
  status.className = isError ? "error" : "";
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-Playground-Token": token},
  });
  if (!response.ok) {
    setStatus((await response.text()).trim(), true);
    if (state.settings) showSettings();  // the controls back to what the server runs
    return null;
  }
  setStatus("");
  return response.json();
}

async function getJson(path, params) {
  const query = new URLSearchParams({...params, token});
  const response = await fetch(`${path}?${query}`);
  if (!response.ok) {
    setStatus((await response.text()).trim(), true);
    return null;
  }
  return response.json();
}

const sendSettings = changes => post("/api/settings", changes);
const control = action => post("/api/control", {action});

function connect() {
  if (!token) {
    setStatus(t(state.lang, "no-token"), true);
    return;
  }
  const source = new EventSource(`/events?token=${encodeURIComponent(token)}`);
  const on = (kind, handle) => source.addEventListener(kind, e => handle(JSON.parse(e.data)));
  on("info", onInfo);
  on("settings", onSettings);
  on("data", onData);
  on("frame", onFrame);
  on("history", onHistory);
  source.onerror = () => setStatus(t(state.lang, "disconnected"), true);
}

// ---- events ------------------------------------------------------------------------------
function onInfo(info) {
  const first = state.info === null;
  state.info = info;
  setStatus("");
  if (!first) return;
  const asked = new URLSearchParams(linkedHash).get("lang");
  state.lang = asked === "en" || asked === "ja" ? asked : info.lang;
  $("lang").value = state.lang;
  translatePage(state.lang);
  buildControls();
}

function onSettings(message) {
  state.settings = message.settings;
  state.layers = message.layers;
  if (message.run !== state.run) {
    state.run = message.run;
    state.history = [];
    state.units = null;
    buildDiagram();
    buildGradientRows();
  }
  showSettings();
  if (!state.hashApplied) {
    state.hashApplied = true;
    applyLink();
  }
}

// A link's #fragment: its settings sent to the server, its language shown. Also when a link is pasted
// into this tab (the page's own rewrites of the fragment use replaceState, which fires no hashchange).
function applyLink() {
  const changes = settingsFromHash();
  if (Object.keys(changes).length) sendSettings(changes);
  const asked = new URLSearchParams(linkedHash).get("lang");
  if ((asked === "en" || asked === "ja") && asked !== state.lang) {
    $("lang").value = asked;
    $("lang").dispatchEvent(new Event("change"));
  }
}

window.addEventListener("hashchange", () => {
  linkedHash = location.hash.slice(1);
  if (state.settings) applyLink();
});

function onData(points) {
  state.points = points;
  drawBoundary();
}

function onFrame(frame) {
  state.framesReceived += 1;
  const latest = frame.latest;
  $("epoch").textContent = String(frame.epoch);
  $("train-loss").textContent = plain(latest.train_loss);
  $("test-loss").textContent = plain(latest.test_loss);
  $("train-accuracy").textContent = plain(latest.train_accuracy);
  $("test-accuracy").textContent = plain(latest.test_accuracy);
  $("play").classList.toggle("active", frame.playing);
  $("pause").classList.toggle("active", !frame.playing);
  if (frame.diverged) setStatus(t(state.lang, "diverged"), true);
  state.boundary = frame.boundary;
  state.boundaryImage = boundaryImage(frame.boundary);
  drawBoundary();
  showLayerStats(frame.layers);
  if (frame.units) {
    state.units = frame.units;
    drawUnits();
  }
}

function onHistory(message) {
  if (message.run !== state.run) return;  // a frame of the previous run, before its settings
  const last = state.history.length ? state.history[state.history.length - 1].epoch : -1;
  for (const record of message.records) if (record.epoch > last) state.history.push(record);
  if (state.history.length > MAX_HISTORY) state.history = state.history.filter(
    (_, i) => (state.history.length - 1 - i) % 2 === 0);
  if (!state.chartsPending) {
    state.chartsPending = true;
    requestAnimationFrame(() => { state.chartsPending = false; drawCharts(); });
  }
}

function plain(value) {
  return value === null || value === undefined ? "—" : value.toFixed(4);
}

// ---- controls ----------------------------------------------------------------------------
function buildControls() {
  const fields = state.info.schema.fields;
  for (const [key, id] of Object.entries(SELECTS)) fillSelect($(id), fields[key].choices);
  fillSelect($("lr"), LR_CHOICES);
  fillSelect($("dropout"), DROPOUT_CHOICES);
  fillSelect($("weight-decay"), DECAY_CHOICES);
  for (const [key, id] of Object.entries(ELEMENT_OF)) {
    const el = $(id);
    el.addEventListener("change", () => sendSettings({[key]: readControl(key, el)}));
    if (el.type === "range") el.addEventListener("input", () => { $(`${id}-value`).textContent = el.value; });
  }
  $("play").addEventListener("click", () => control("play"));
  $("pause").addEventListener("click", () => control("pause"));
  $("step").addEventListener("click", () => control("step"));
  $("reset").addEventListener("click", () => control("reset"));
  $("regenerate").addEventListener("click", () => control("regenerate"));
  $("add-layer").addEventListener("click", () => {
    const hidden = state.settings.hidden;
    if (hidden.length < fields.hidden.max_layers) sendSettings({hidden: [...hidden, hidden[hidden.length - 1]]});
  });
  $("remove-layer").addEventListener("click", () => {
    const hidden = state.settings.hidden;
    if (hidden.length > 1) sendSettings({hidden: hidden.slice(0, -1)});
  });
  $("lang").addEventListener("change", () => {
    state.lang = $("lang").value;
    translatePage(state.lang);
    relabelSelects();
    writeHash();
  });
  $("show-command").addEventListener("click", showExport);
  $("show-python").addEventListener("click", showExport);
  $("copy-command").addEventListener("click", e => copy($("command").textContent, e.target));
  $("copy-python").addEventListener("click", e => copy($("python").textContent, e.target));
  $("code-close").addEventListener("click", () => { $("code-view").hidden = true; });
  $("code-view").addEventListener("click", e => { if (e.target === $("code-view")) $("code-view").hidden = true; });
  document.addEventListener("keydown", e => { if (e.key === "Escape") $("code-view").hidden = true; });
}

function fillSelect(select, values) {
  select.replaceChildren(...values.map(value => {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = optionLabel(state.lang, value);
    return option;
  }));
}

function relabelSelects() {
  for (const id of Object.values(SELECTS)) {
    for (const option of $(id).options) option.textContent = optionLabel(state.lang, option.value);
  }
}

function readControl(key, el) {
  const kind = state.info.schema.fields[key].kind;
  if (kind === "bool") return el.checked;
  if (kind === "int") return parseInt(el.value, 10);
  if (kind === "number") return parseFloat(el.value);
  return el.value;
}

function showSettings() {
  const s = state.settings;
  for (const [key, id] of Object.entries(ELEMENT_OF)) {
    const el = $(id);
    if (el.type === "checkbox") { el.checked = s[key]; continue; }
    if (el.tagName === "SELECT" && ![...el.options].some(o => o.value === String(s[key]))) {
      const option = document.createElement("option");  // a value from a link, not in the list
      option.value = option.textContent = String(s[key]);
      el.appendChild(option);
    }
    el.value = String(s[key]);
    if (el.type === "range") $(`${id}-value`).textContent = String(s[key]);
  }
  $("layer-count").textContent = String(s.hidden.length);
  for (const input of document.querySelectorAll(".width-input")) input.value = s.hidden[+input.dataset.layer];
  writeHash();
}

// Every control lives in the URL's #fragment, so a link reproduces a setting.
function writeHash() {
  if (!state.settings) return;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state.settings)) params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  params.set("lang", state.lang);
  history.replaceState(null, "", `${location.pathname}${location.search}#${params}`);
}

function settingsFromHash() {
  const params = new URLSearchParams(linkedHash);
  const fields = state.info.schema.fields, changes = {};
  for (const [key, text] of params) {
    if (!(key in fields)) continue;  // lang, or a key the server would refuse anyway
    const kind = fields[key].kind;
    let value = text;
    if (kind === "int") value = Number(text);
    else if (kind === "number") value = Number(text);
    else if (kind === "bool") value = text === "true";
    else if (kind === "widths") value = text.split(",").map(Number);
    if (JSON.stringify(value) !== JSON.stringify(state.settings[key])) changes[key] = value;
  }
  return changes;
}

// ---- the network diagram: every hidden unit's map ------------------------------------------
function buildDiagram() {
  const diagram = $("diagram");
  diagram.replaceChildren();
  const inputColumn = column(t(state.lang, "input"));
  for (const [name, axis] of [["x₁", 0], ["x₂", 1]]) {
    const canvas = unitCanvas();
    canvas.title = name;
    drawUnitMap(canvas, inputMap(axis), 0, 20);
    inputColumn.units.appendChild(canvas);
  }
  diagram.appendChild(inputColumn.el);
  state.layers.filter(layer => !layer.output).forEach((layer, i) => {
    const col = column(`${t(state.lang, "layer")} ${i + 1}`);
    const width = document.createElement("input");
    width.type = "number";
    width.min = "1";
    width.max = String(state.info.schema.fields.hidden.high);
    width.className = "width-input";
    width.id = `width-${i}`;
    width.dataset.layer = String(i);
    width.title = t(state.lang, "width");
    width.value = String(layer.out);
    width.addEventListener("change", () => {
      const hidden = [...state.settings.hidden];
      hidden[i] = parseInt(width.value, 10);
      sendSettings({hidden});
    });
    col.head.appendChild(width);
    col.units.classList.toggle("wide", layer.out > 16);
    col.units.classList.toggle("widest", layer.out > 32);
    for (let u = 0; u < layer.out; u++) {
      const canvas = unitCanvas();
      canvas.dataset.layer = String(i);
      canvas.dataset.unit = String(u);
      canvas.addEventListener("mouseenter", () => { state.zoom = {layer: i, unit: u, el: canvas}; drawZoom(); });
      canvas.addEventListener("mouseleave", () => { state.zoom = null; $("unit-zoom").hidden = true; });
      col.units.appendChild(canvas);
    }
    diagram.appendChild(col.el);
  });
}

function column(title) {
  const el = document.createElement("div");
  el.className = "column";
  const head = document.createElement("div");
  head.className = "column-head";
  head.textContent = title;
  const units = document.createElement("div");
  units.className = "units";
  el.append(head, units);
  return {el, head, units};
}

function unitCanvas() {
  const canvas = document.createElement("canvas");
  canvas.className = "unit";
  canvas.width = canvas.height = 20;
  return canvas;
}

function inputMap(axis) {
  const size = 20, bytes = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = axis === 0 ? (c + 0.5) / size * 2 - 1 : 1 - (r + 0.5) / size * 2;
      bytes[r * size + c] = Math.round(127.5 * (v + 1));
    }
  }
  return bytes;
}

function drawUnits() {
  const units = state.units;
  units.layers.forEach((layer, i) => {
    const bytes = decodeBytes(layer.maps);
    layer.bytes = bytes;
    const canvases = document.querySelectorAll(`canvas.unit[data-layer="${i}"]`);
    canvases.forEach((canvas, u) => drawUnitMap(canvas, bytes, u * units.size * units.size, units.size));
  });
  drawZoom();
}

function drawZoom() {
  const zoom = state.zoom, zoomCanvas = $("unit-zoom");
  if (!zoom || !state.units || !state.units.layers[zoom.layer]) return;
  const layer = state.units.layers[zoom.layer], size = state.units.size;
  drawUnitMap(zoomCanvas, layer.bytes || decodeBytes(layer.maps), zoom.unit * size * size, size);
  const rect = zoom.el.getBoundingClientRect();
  zoomCanvas.style.left = `${Math.min(rect.right + 8 + window.scrollX, window.scrollX + window.innerWidth - 190)}px`;
  zoomCanvas.style.top = `${rect.top + window.scrollY - 60}px`;
  zoomCanvas.title = `${t(state.lang, "layer")} ${zoom.layer + 1}, unit ${zoom.unit + 1}: |max| ${formatNumber(layer.scale)}`;
  zoomCanvas.hidden = false;
}

// ---- decision boundary, curves, gradient panel -----------------------------------------------
function drawBoundary() {
  const canvas = $("boundary");
  const {ctx, width, height} = prepare(canvas);
  if (state.boundaryImage) {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(state.boundaryImage, 0, 0, width, height);
  }
  const points = state.points;
  if (!points) return;
  const e = points.extent;
  const px = x => (x + e) / (2 * e) * width, py = y => (e - y) / (2 * e) * height;
  for (const [split, stroke, lineWidth] of [["train", "#ffffff", 1], ["test", "#222222", 1.5]]) {
    const {x, t: labels} = points[split];
    x.forEach(([x1, x2], i) => {
      const c = CLASS_COLOURS[labels[i] % CLASS_COLOURS.length];
      ctx.beginPath();
      ctx.arc(px(x1), py(x2), 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
      ctx.fill();
      ctx.lineWidth = lineWidth;
      ctx.strokeStyle = stroke;
      ctx.stroke();
    });
  }
}

function drawCharts() {
  const h = state.history;
  const series = key => h.map(r => [r.epoch, r[key]]);
  lineChart($("loss-chart"), [
    {values: series("train_loss"), colour: "#0877bd", dash: true},
    {values: series("test_loss"), colour: "#0877bd"},
  ], {yMin: 0});
  lineChart($("accuracy-chart"), [
    {values: series("train_accuracy"), colour: "#3a9b3a", dash: true},
    {values: series("test_accuracy"), colour: "#3a9b3a"},
  ], {yMin: 0, yMax: 1});
  const colours = layerColours(state.layers.length);
  lineChart($("gradient-chart"), state.layers.map((_, i) => ({
    values: h.map(r => [r.epoch, r.grad_norms[i]]), colour: colours[i],
  })), {log: true, xLabel: t(state.lang, "epoch")});
}

function buildGradientRows() {
  const rows = $("gradient-rows"), colours = layerColours(state.layers.length);
  rows.replaceChildren();
  const s = state.settings;
  state.layers.forEach((layer, i) => {
    const tr = document.createElement("tr");
    tr.className = "layer-row";
    tr.id = `layer-row-${i}`;
    const name = document.createElement("td");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colours[i];
    const label = layer.output ? `${t(state.lang, "output")} · Linear ${layer.in}→${layer.out}`
      : `${i + 1} · Linear ${layer.in}→${layer.out} · ${layer.activation}`;
    name.append(swatch, document.createTextNode(label));
    const grad = cell("grad"), bar = cell("bar"), hist = cell("hist"), sat = cell("saturated"), dead = cell("dead");
    const barInner = document.createElement("span");
    bar.appendChild(barInner);
    if (!layer.output) {
      const canvas = document.createElement("canvas");
      canvas.className = "histogram";
      hist.appendChild(canvas);
    }
    const code = cell("code");
    const names = ["Linear"];
    if (!layer.output) {
      if (s.batchnorm) names.push("BatchNorm1d");
      names.push(layer.activation);
      if (s.dropout) names.push("Dropout");
    } else {
      names.push("CrossEntropyLoss", {sgd: "SGD", momentum: "Momentum", adagrad: "AdaGrad", rmsprop: "RMSProp",
                                      adam: "Adam"}[s.optimizer]);
    }
    for (const codeName of names) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "code-link";
      button.textContent = codeName;
      button.title = (state.info.formulas[codeName] || []).join("\n");
      button.addEventListener("click", () => showCode(codeName));
      code.appendChild(button);
    }
    tr.append(name, grad, bar, hist, sat, dead, code);
    rows.appendChild(tr);
  });
}

function cell(kind) {
  const td = document.createElement("td");
  td.className = kind;
  return td;
}

function showLayerStats(layers) {
  const colours = layerColours(layers.length);
  layers.forEach((stats, i) => {
    const row = $(`layer-row-${i}`);
    if (!row) return;
    row.querySelector(".grad").textContent = formatNumber(stats.grad_norm);
    const g = stats.grad_norm;
    const share = g ? Math.max(0, Math.min(1, (Math.log10(g) + 8) / 10)) : 0;  // 1e-8 .. 1e2
    row.querySelector(".bar span").style.width = `${(100 * share).toFixed(1)}%`;
    row.querySelector(".bar span").style.background = colours[i];
    if (stats.histogram) {
      drawHistogram(row.querySelector("canvas.histogram"), stats.histogram, colours[i]);
      row.querySelector(".hist").title = `[${formatNumber(stats.range[0])}, ${formatNumber(stats.range[1])}]`;
      row.querySelector(".saturated").textContent = `${(100 * stats.saturated).toFixed(1)}%`;
      row.querySelector(".dead").textContent = `${(100 * stats.dead).toFixed(1)}%`;
    }
  });
}

// ---- leaving the page: as a command, as Python; the code view ---------------------------------
async function showExport() {
  const found = await getJson("/api/export", {});
  if (!found) return;
  $("command").textContent = found.command;
  $("python").textContent = found.python;
  $("npz-note").hidden = !found.npz;
  $("live-note").hidden = found.changed_live_at === null;
  $("live-note").textContent = t(state.lang, "live-note").replace("{epoch}", found.changed_live_at);
  if (found.npz) {
    $("npz-link").textContent = found.npz;
    $("npz-link").download = found.npz;
    $("npz-link").href = `/api/data.npz?token=${encodeURIComponent(token)}`;
  }
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {  // no clipboard here: the text stays selectable in the box above
    setStatus(String(error), true);
    return;
  }
  button.textContent = t(state.lang, "copied");
  setTimeout(() => { button.textContent = t(state.lang, "copy"); }, 1500);
}

async function showCode(name) {
  const found = await getJson("/api/code", {name});
  if (!found) return;
  $("code-title").textContent = `${found.module}.${found.name}`;
  $("code-summary").textContent = found.summary;
  $("code-formula").textContent = found.formula.join("\n");
  $("code-methods").replaceChildren(...found.methods.flatMap(method => {
    const head = document.createElement("h3");
    head.textContent = `${method.name}  (${t(state.lang, "defined-in")} ${method.defined_in})`;
    const pre = document.createElement("pre");
    pre.textContent = method.source;
    return [head, pre];
  }));
  $("code-view").hidden = false;
}

window.addEventListener("resize", () => { drawBoundary(); drawCharts(); });
connect();
