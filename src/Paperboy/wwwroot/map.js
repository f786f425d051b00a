// The map page: streams the points from /api/map/points (binary pages), draws them progressively on a canvas
// (pixels written straight into an ImageData), and picks the point under the pointer through a uniform grid.
// Zoom: wheel, pinch, + and −; pan: drag or the arrow keys; 0 resets. Hover shows a title, click opens the paper.
(() => {
  "use strict";
  const canvas = document.getElementById("map");
  if (!canvas) return;
  performance.mark("map-start");
  const ctx = canvas.getContext("2d");
  const status = document.getElementById("map-status");
  const tip = document.getElementById("map-tip");
  const total = Number(canvas.dataset.pointsTotal) || 0;
  const topics = JSON.parse(canvas.dataset.topics || "[]");
  const params = new URLSearchParams(location.search);

  let n = 0;
  const xs = new Float32Array(Math.max(total, 1)), ys = new Float32Array(Math.max(total, 1)), ts = new Uint16Array(Math.max(total, 1));
  const ids = [];
  const indexOf = new Map();
  const G = 256;                                   // grid cells per side over [0, 1]²
  const grid = new Array(G * G);
  let highlighted = new Set();
  let hover = -1;

  // The view: a point (px, py) in [0, 1]² is drawn at (cx + (px − 0.5 − ox)·S·k, cy + (py − 0.5 − oy)·S·k) CSS pixels.
  const view = { k: 1, ox: 0, oy: 0 };
  let W = 0, H = 0, S = 1, dpr = 1;

  function resize() {
    const r = canvas.getBoundingClientRect();
    dpr = window.devicePixelRatio || 1;
    W = r.width; H = r.height;
    S = Math.min(W, H) * 0.92;
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    schedule();
  }
  const toScreen = (px, py) => [W / 2 + (px - 0.5 - view.ox) * S * view.k, H / 2 + (py - 0.5 - view.oy) * S * view.k];
  const toData = (sx, sy) => [(sx - W / 2) / (S * view.k) + 0.5 + view.ox, (sy - H / 2) / (S * view.k) + 0.5 + view.oy];

  // Colours from the stylesheet (--t0 … --t11), read again when the colour scheme changes.
  let palette = [], fg = "#000", bg = "#fff", ring = "#000";
  function readColours() {
    const cs = getComputedStyle(document.documentElement);
    palette = [];
    for (let i = 0; i < 12; i++) palette.push(rgba(cs.getPropertyValue("--t" + i).trim() || "#888888"));
    fg = cs.getPropertyValue("--fg").trim(); bg = cs.getPropertyValue("--card").trim(); ring = cs.getPropertyValue("--accent").trim();
  }
  function rgba(hex) {
    const v = parseInt(hex.replace("#", ""), 16);
    return (0xff << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff);   // ABGR for a little-endian Uint32 view
  }

  let pending = false;
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(draw); } }

  let image = null, pixels = null;
  function draw() {
    pending = false;
    const w = canvas.width, h = canvas.height;
    if (!image || image.width !== w || image.height !== h) { image = ctx.createImageData(w, h); pixels = new Uint32Array(image.data.buffer); }
    pixels.fill(0);
    const dot = n < 5000 ? 4 : n < 50000 ? 3 : 2;          // few papers: bigger dots
    const size = Math.max(1, Math.round(dpr * (view.k > 4 ? dot + 1 : dot)));
    const scale = S * view.k * dpr, x0 = (W / 2 - (0.5 + view.ox) * S * view.k) * dpr, y0 = (H / 2 - (0.5 + view.oy) * S * view.k) * dpr;
    for (let i = 0; i < n; i++) {
      const px = (x0 + xs[i] * scale) | 0, py = (y0 + ys[i] * scale) | 0;
      if (px < 0 || py < 0 || px >= w - size || py >= h - size) continue;
      const c = palette[ts[i] % 12];
      for (let dy = 0; dy < size; dy++) { const row = (py + dy) * w + px; for (let dx = 0; dx < size; dx++) pixels[row + dx] = c; }
    }
    ctx.putImageData(image, 0, 0);
    ctx.save();
    ctx.scale(dpr, dpr);
    // Search hits and the hovered point: rings over the dots.
    ctx.lineWidth = 2;
    ctx.strokeStyle = ring;
    for (const i of highlighted) { const [sx, sy] = toScreen(xs[i], ys[i]); ctx.beginPath(); ctx.arc(sx, sy, 5, 0, 7); ctx.stroke(); }
    if (hover >= 0) { const [sx, sy] = toScreen(xs[hover], ys[hover]); ctx.strokeStyle = fg; ctx.beginPath(); ctx.arc(sx, sy, 6, 0, 7); ctx.stroke(); }
    drawLabels();
    ctx.restore();
  }

  // Topic labels at their centres, largest topics first; a label that would overlap one already placed tries a
  // position above or below, then is left out (zooming in makes room).
  function drawLabels() {
    ctx.font = "600 13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    const placed = [];
    for (const t of topics) {
      const [sx, sy] = toScreen(t.x, t.y);
      const w = ctx.measureText(t.label).width + 8, h = 18;
      for (const dy of [0, -h, h]) {
        const r = { x: sx - w / 2, y: sy + dy - h / 2, w, h };
        if (r.x < 0 || r.y < 0 || r.x + w > W || r.y + h > H) continue;
        if (placed.some((p) => r.x < p.x + p.w && p.x < r.x + r.w && r.y < p.y + p.h && p.y < r.y + r.h)) continue;
        placed.push(r);
        ctx.lineWidth = 4; ctx.strokeStyle = bg; ctx.strokeText(t.label, sx, sy + dy);
        ctx.fillStyle = fg; ctx.fillText(t.label, sx, sy + dy);
        break;
      }
    }
  }

  function cellOf(x, y) { return Math.min(G - 1, Math.max(0, (y * G) | 0)) * G + Math.min(G - 1, Math.max(0, (x * G) | 0)); }

  /** The point nearest to a position on the canvas (CSS pixels), within 8 pixels; −1 for none. */
  function pick(sx, sy) {
    const [dx, dy] = toData(sx, sy);
    const radius = 8 / (S * view.k);
    const c0 = Math.max(0, ((dx - radius) * G) | 0), c1 = Math.min(G - 1, ((dx + radius) * G) | 0);
    const r0 = Math.max(0, ((dy - radius) * G) | 0), r1 = Math.min(G - 1, ((dy + radius) * G) | 0);
    let best = -1, bestD = radius * radius;
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) {
      const cell = grid[r * G + c];
      if (!cell) continue;
      for (const i of cell) { const d = (xs[i] - dx) ** 2 + (ys[i] - dy) ** 2; if (d <= bestD) { bestD = d; best = i; } }
    }
    return best;
  }

  async function load() {
    let after = "";
    let firstPaint = false;
    while (n < total) {
      const res = await fetch("/api/map/points?limit=50000&after=" + encodeURIComponent(after));
      if (!res.ok) throw new Error("map points: HTTP " + res.status);
      const buf = await res.arrayBuffer();
      const view32 = new DataView(buf);
      const count = view32.getUint32(4, true);
      if (count === 0) break;
      const fx = new Float32Array(buf, 12, count), fy = new Float32Array(buf, 12 + count * 4, count);
      const ft = new Uint16Array(buf, 12 + count * 8, count);
      const text = new TextDecoder().decode(new Uint8Array(buf, 12 + count * 8 + Math.ceil(count * 2 / 4) * 4));
      const chunkIds = text.split("\n");
      for (let j = 0; j < count && n < xs.length; j++, n++) {
        xs[n] = fx[j]; ys[n] = fy[j]; ts[n] = ft[j];
        ids.push(chunkIds[j]); indexOf.set(chunkIds[j], n);
        const cell = cellOf(fx[j], fy[j]);
        (grid[cell] || (grid[cell] = [])).push(n);
      }
      after = chunkIds[count - 1];
      canvas.dataset.pointsLoaded = String(n);
      status.textContent = `Loaded ${n.toLocaleString("en")} of ${total.toLocaleString("en")} papers…`;
      draw();
      if (!firstPaint) {
        firstPaint = true;
        performance.mark("map-first-paint");
        canvas.dataset.firstPaintMs = String(Math.round(performance.measure("map-first-paint-ms", "map-start", "map-first-paint").duration || performance.now()));
      }
      await new Promise((r) => setTimeout(r, 0));   // let the page breathe between pages
    }
    performance.mark("map-complete");
    canvas.dataset.completeMs = String(Math.round(performance.now()));
    status.textContent = `${n.toLocaleString("en")} papers in ${topics.length} topics.`;
    canvas.dataset.ready = "true";
    focusFromUrl();
  }

  function focusFromUrl() {
    const paper = params.get("paper"), topic = params.get("topic");
    if (paper && indexOf.has(paper)) { const i = indexOf.get(paper); highlighted = new Set([i]); centreOn(xs[i], ys[i], 4); }
    else if (topic) { const t = topics.find((x) => String(x.id) === topic); if (t) centreOn(t.x, t.y, 3); }
  }
  function centreOn(x, y, k) { view.k = k; view.ox = x - 0.5; view.oy = y - 0.5; schedule(); }

  function zoomAt(sx, sy, factor) {
    const [dx, dy] = toData(sx, sy);
    view.k = Math.min(200, Math.max(0.5, view.k * factor));
    // Keep the data point under (sx, sy) where it was.
    view.ox = dx - 0.5 - (sx - W / 2) / (S * view.k);
    view.oy = dy - 0.5 - (sy - H / 2) / (S * view.k);
    schedule();
  }

  // Pointer: drag to pan, two fingers to pinch, a click (little movement) to open.
  const pointers = new Map();
  let moved = 0, pinch = 0;
  canvas.addEventListener("pointerdown", (e) => { canvas.setPointerCapture(e.pointerId); pointers.set(e.pointerId, { x: e.offsetX, y: e.offsetY }); moved = 0; pinch = 0; });
  canvas.addEventListener("pointermove", (e) => {
    const p = pointers.get(e.pointerId);
    if (!p) { hoverAt(e.offsetX, e.offsetY); return; }
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const d0 = Math.hypot(a.x - b.x, a.y - b.y);
      p.x = e.offsetX; p.y = e.offsetY;
      const d1 = Math.hypot(a.x - b.x, a.y - b.y);
      if (d0 > 0) zoomAt((a.x + b.x) / 2, (a.y + b.y) / 2, d1 / d0);
      pinch = 1;
      return;
    }
    const ddx = e.offsetX - p.x, ddy = e.offsetY - p.y;
    moved += Math.abs(ddx) + Math.abs(ddy);
    p.x = e.offsetX; p.y = e.offsetY;
    if (moved > 3) { view.ox -= ddx / (S * view.k); view.oy -= ddy / (S * view.k); schedule(); }
  });
  const release = (e) => {
    const wasClick = pointers.size === 1 && moved <= 3 && !pinch;
    pointers.delete(e.pointerId);
    if (wasClick && e.type === "pointerup") {
      const i = pick(e.offsetX, e.offsetY);
      if (i >= 0) location.href = "/papers/" + encodeURIComponent(ids[i]);
    }
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
  canvas.addEventListener("pointerleave", () => { hover = -1; tip.hidden = true; schedule(); });
  canvas.addEventListener("wheel", (e) => { e.preventDefault(); zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015)); }, { passive: false });
  canvas.addEventListener("keydown", (e) => {
    const step = 40 / (S * view.k);
    const keys = { "+": () => zoomAt(W / 2, H / 2, 1.4), "=": () => zoomAt(W / 2, H / 2, 1.4), "-": () => zoomAt(W / 2, H / 2, 1 / 1.4),
      ArrowLeft: () => { view.ox -= step; }, ArrowRight: () => { view.ox += step; }, ArrowUp: () => { view.oy -= step; }, ArrowDown: () => { view.oy += step; },
      "0": () => { view.k = 1; view.ox = 0; view.oy = 0; } };
    if (!keys[e.key]) return;
    e.preventDefault(); keys[e.key](); schedule();
  });

  // Hover: the title, fetched once per paper.
  const titles = new Map();
  async function hoverAt(sx, sy) {
    const i = pick(sx, sy);
    if (i === hover) return;
    hover = i; schedule();
    if (i < 0) { tip.hidden = true; return; }
    const id = ids[i];
    if (!titles.has(id)) titles.set(id, fetch("/api/papers/" + encodeURIComponent(id)).then((r) => r.ok ? r.json() : null).then((p) => p ? p.title : id).catch(() => id));
    const title = await titles.get(id);
    if (hover !== i) return;
    tip.textContent = title;
    tip.hidden = false;
    tip.style.setProperty("--tip-x", Math.min(sx + 12, W - 260) + "px");
    tip.style.setProperty("--tip-y", sy + 12 + "px");
  }

  // Search: highlight the hits of /api/search on the map.
  document.getElementById("map-search").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = document.getElementById("map-q").value.trim();
    if (!q) { highlighted = new Set(); schedule(); return; }
    const res = await fetch("/api/search?limit=100&q=" + encodeURIComponent(q));
    if (!res.ok) { status.textContent = "The search failed; try other words."; return; }
    const body = await res.json();
    highlighted = new Set(body.results.map((r) => indexOf.get(r.id)).filter((i) => i !== undefined));
    canvas.dataset.highlighted = String(highlighted.size);
    status.textContent = `${highlighted.size} of the top ${body.results.length} results for “${q}” are ringed on the map.`;
    schedule();
  });

  // Test and benchmark hooks: where a paper is drawn (CSS pixels within the canvas).
  window.paperboyMap = {
    get count() { return n; },
    ids,
    project(i) { const [x, y] = toScreen(xs[i], ys[i]); return { x, y }; },
    pick,
  };

  readColours();
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { readColours(); schedule(); });
  new ResizeObserver(resize).observe(canvas);
  resize();
  load().catch((err) => { status.textContent = "The map could not be loaded: " + err.message; });
})();
