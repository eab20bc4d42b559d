// Small canvas drawings: line charts (linear or log y axis), colour maps, histograms.
"use strict";

const CLASS_COLOURS = [[245, 147, 34], [8, 119, 189], [58, 155, 58], [180, 60, 160], [120, 120, 120]];

// A canvas sized for the screen's pixel density; returns its 2-D context in CSS pixels.
function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width, height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return {ctx, width, height};
}

// series: [{values: [[x, y], ...], colour: "css", dash: bool, label}]; options: {log, yMin, yMax, xLabel}
function lineChart(canvas, series, options) {
  const {ctx, width, height} = prepare(canvas);
  const pad = {left: 46, right: 8, top: 8, bottom: 20};
  const log = !!options.log;
  const ys = [], xs = [];
  for (const s of series) {
    for (const [x, y] of s.values) {
      if (y === null || !isFinite(y) || (log && y <= 0)) continue;
      xs.push(x);
      ys.push(log ? Math.log10(y) : y);
    }
  }
  let xMin = xs.length ? Math.min(...xs) : 0, xMax = xs.length ? Math.max(...xs) : 1;
  if (xMax === xMin) xMax = xMin + 1;
  let yMin = options.yMin !== undefined ? options.yMin : (ys.length ? Math.min(...ys) : 0);
  let yMax = options.yMax !== undefined ? options.yMax : (ys.length ? Math.max(...ys) : 1);
  if (log) { yMin = Math.floor(yMin); yMax = Math.max(Math.ceil(yMax), yMin + 1); }
  if (yMax === yMin) { yMax = yMin + 1; }
  const px = x => pad.left + (x - xMin) / (xMax - xMin) * (width - pad.left - pad.right);
  const py = y => height - pad.bottom - (y - yMin) / (yMax - yMin) * (height - pad.top - pad.bottom);

  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#555";
  ctx.strokeStyle = "#e3e3e3";
  ctx.lineWidth = 1;
  const ticks = log ? range(yMin, yMax, Math.max(1, Math.ceil((yMax - yMin) / 6)))
                    : [yMin, (yMin + yMax) / 2, yMax];
  for (const tick of ticks) {
    ctx.beginPath();
    ctx.moveTo(pad.left, py(tick));
    ctx.lineTo(width - pad.right, py(tick));
    ctx.stroke();
    const label = log ? "1e" + tick : formatNumber(tick);
    ctx.fillText(label, 2, py(tick) + 4);
  }
  ctx.fillText(String(Math.round(xMin)), pad.left, height - 5);
  const last = String(Math.round(xMax));
  ctx.fillText(last, width - pad.right - ctx.measureText(last).width, height - 5);
  if (options.xLabel) {
    ctx.fillText(options.xLabel, (width - ctx.measureText(options.xLabel).width) / 2, height - 5);
  }
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 1.6;
    ctx.setLineDash(s.dash ? [4, 3] : []);
    ctx.beginPath();
    let drawing = false;
    for (const [x, y] of s.values) {
      if (y === null || !isFinite(y) || (log && y <= 0)) { drawing = false; continue; }
      const v = log ? Math.log10(y) : y;
      if (drawing) ctx.lineTo(px(x), py(v)); else ctx.moveTo(px(x), py(v));
      drawing = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function range(start, stop, step) {
  const out = [];
  for (let v = start; v <= stop; v += step) out.push(v);
  return out;
}

function formatNumber(v) {
  if (v === null || v === undefined || !isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
  return String(Math.round(v * 1e4) / 1e4);
}

// Bytes of base64 text.
function decodeBytes(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// A square map of bytes (127.5 = 0) drawn orange (< 0), white (0), blue (> 0) into a size x size canvas.
function drawUnitMap(canvas, bytes, offset, size) {
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = (bytes[offset + i] - 127.5) / 127.5;
    const [r, g, b] = v < 0 ? CLASS_COLOURS[0] : CLASS_COLOURS[1];
    const a = Math.min(Math.abs(v), 1);
    image.data[4 * i] = Math.round(255 + (r - 255) * a);
    image.data[4 * i + 1] = Math.round(255 + (g - 255) * a);
    image.data[4 * i + 2] = Math.round(255 + (b - 255) * a);
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// The class probabilities (size x size x classes bytes) as a pale mix of the class colours.
function boundaryImage(boundary) {
  const {size, classes} = boundary;
  const probs = decodeBytes(boundary.probs);
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    let r = 0, g = 0, b = 0, top = 0;
    for (let k = 0; k < classes; k++) {
      const p = probs[i * classes + k] / 255;
      const c = CLASS_COLOURS[k % CLASS_COLOURS.length];
      r += p * c[0]; g += p * c[1]; b += p * c[2];
      top = Math.max(top, p);
    }
    const sure = classes > 1 ? (top - 1 / classes) / (1 - 1 / classes) : 1;
    const a = 0.15 + 0.5 * sure;  // paler where the network is less sure
    image.data[4 * i] = Math.round(255 + (r - 255) * a);
    image.data[4 * i + 1] = Math.round(255 + (g - 255) * a);
    image.data[4 * i + 2] = Math.round(255 + (b - 255) * a);
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

// A bar histogram of shares into a small canvas.
function drawHistogram(canvas, shares, colour) {
  const {ctx, width, height} = prepare(canvas);
  const top = Math.max(...shares, 1e-9);
  const w = width / shares.length;
  ctx.fillStyle = colour;
  shares.forEach((s, i) => {
    const h = s / top * (height - 2);
    ctx.fillRect(i * w + 0.5, height - h, Math.max(w - 1, 1), h);
  });
}

// Colours for n layers, dark (first) to light (last).
function layerColours(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const f = n > 1 ? i / (n - 1) : 0;
    out.push(`hsl(${Math.round(265 - 225 * f)}, 70%, ${Math.round(30 + 25 * f)}%)`);
  }
  return out;
}
