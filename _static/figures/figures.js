/* The interactive figures of the lessons: a slider where it teaches more than a picture.
 *
 * A lesson holds, in a markdown cell right after its static figure, an HTML block
 *   <div class="lrw" data-lrw="bowl|well|cyclic" ...><p class="lrw-fallback">...</p></div>
 * which a notebook viewer (Jupyter, Colab) shows as its one line of text. On the website this
 * script, which book/_ext/explorer_export.py puts only on pages holding such a block, replaces
 * the line by the figure and its controls.
 *
 * The numbers come from lrlib's rules: descend() below mirrors lrlib.landscapes.descend
 * operation for operation (same update, same three stopping rules), on the surfaces of
 * lrlib/landscapes.py; the schedules come from the explorer's tested port of lrlib
 * (_static/explorer/schedules.js, window.lrlibPort). What a figure shows is kept, as JSON, in
 * its <script type="application/json" class="lrw-data">, which tests/test_site.py compares
 * with lrlib (test_interactive_*).
 */
(function () {
  "use strict";
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];

  // --- lrlib.landscapes, ported ----------------------------------------------------------------
  /** lrlib.landscapes.quadratic_bowl(condition): f = (x^2 + condition y^2) / 2. */
  function quadraticBowl(k) {
    return { dim: 2, k, maxStableLr: 2.0 / k,
      f: (p) => 0.5 * (p[0] ** 2 + k * p[1] ** 2),
      grad: (p) => [p[0], k * p[1]] };
  }
  // x ** 3 and x ** 4 as numpy computes them: C's pow, correctly rounded. JavaScript's ** may be
  // off by one unit in the last place, which the chaotic runs of the double well (a large
  // constant rate bouncing for 1000 steps) amplify into a different path. Products split
  // exactly (Dekker's two-product) give the correctly rounded power.
  function twoProduct(a, b) {
    const p = a * b, split = (v) => { const c = 134217729 * v, hi = c - (c - v); return [hi, v - hi]; };
    const [ah, al] = split(a), [bh, bl] = split(b);
    return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
  }
  function power(x, n) {
    const [s, e] = twoProduct(x, x);
    const [p, err] = n === 3 ? twoProduct(s, x) : twoProduct(s, s);
    const value = n === 3 ? p + (err + e * x) : p + (err + 2 * s * e);
    return Number.isFinite(value) ? value : x ** n;
  }
  const well = (x) => power(x, 4) - 3 * x ** 2 + x;
  const wellSlope = (x) => 4 * power(x, 3) - 6 * x + 1;
  /** lrlib.landscapes.double_well_1d(): f = x^4 - 3x^2 + x, its critical points by Newton. */
  function doubleWell1d() {
    const root = (x) => {
      for (let i = 0; i < 60; i += 1) x -= wellSlope(x) / (12 * x * x - 6);
      return x;
    };
    return { dim: 1, f: (p) => well(p[0]), grad: (p) => [wellSlope(p[0])],
      minima: { global: root(-1.3), local: root(1.13) }, hump: root(0.17) };
  }
  const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

  /** lrlib.landscapes.descend: plain gradient descent, stopped by max_iters, a step shorter
   * than tol ("small_step") or a point outside the ball of radius blowup ("diverged"). */
  function descend(surface, x0, lr, { max_iters = 1000, tol = 1e-6, blowup = 1e6 } = {}) {
    let x = x0.slice();
    const path = [x.slice()], values = [surface.f(x)], lrs = [];
    let reason = "max_iters";
    for (let t = 0; t < max_iters; t += 1) {
      const stepLr = typeof lr === "function" ? lr(t) : lr;
      const step = surface.grad(x).map((g) => stepLr * g);
      x = x.map((v, i) => v - step[i]);
      lrs.push(stepLr);
      path.push(x.slice());
      values.push(surface.f(x));
      if (!(x.every(Number.isFinite) && Number.isFinite(values[values.length - 1]))
          || norm(x) > blowup) {
        reason = "diverged";
        break;
      }
      if (norm(step) < tol) {
        reason = "small_step";
        break;
      }
    }
    return { path, values, lrs, reason, iterations: lrs.length };
  }

  // --- small DOM and SVG helpers ----------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === undefined || v === null || v === false) return;
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    });
    children.flat().forEach((c) => c !== null && c !== undefined && node.append(c));
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const fmt = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5
    ? String(Number(v.toPrecision(3))) : v.toExponential(1).replace(".0e", "e"));
  let clipCount = 0;

  function ticks(lo, hi, n) {
    const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      out.push(Number(v.toPrecision(6)));
    }
    return out;
  }

  /** An empty plot: axes, ticks, labels; returns {X, Y, g} with g clipped to the plot area. */
  function frame(box, o) {
    const W = o.width || 400, H = o.height || 260, L = 52, R = 8, T = 8, B = 34;
    box.replaceChildren();
    box.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const f = o.logY ? Math.log10 : (v) => v;
    const [a, b] = [f(o.y[0]), f(o.y[1])];
    const X = (x) => L + (W - L - R) * (x - o.x[0]) / (o.x[1] - o.x[0]);
    const Y = (y) => T + (H - T - B) * (1 - (f(y) - a) / (b - a));
    ticks(o.x[0], o.x[1], o.xTicks || 5).forEach((x) => {
      box.append(svg("line", { x1: X(x), x2: X(x), y1: T, y2: H - B, class: "lrw-grid" }),
        svg("text", { x: X(x), y: H - B + 14, "text-anchor": "middle" }, fmt(x)));
    });
    const yt = o.logY ? ticks(Math.ceil(a), Math.floor(b), 4).filter(Number.isInteger)
      .map((e) => 10 ** e) : ticks(o.y[0], o.y[1], 5);
    yt.forEach((y) => {
      box.append(svg("line", { x1: L, x2: W - R, y1: Y(y), y2: Y(y), class: "lrw-grid" }),
        svg("text", { x: L - 4, y: Y(y) + 4, "text-anchor": "end" }, fmt(y)));
    });
    box.append(svg("text", { x: (L + W - R) / 2, y: H - 3, "text-anchor": "middle" }, o.xLabel),
      svg("text", { x: 11, y: (T + H - B) / 2, "text-anchor": "middle",
        transform: `rotate(-90 11 ${(T + H - B) / 2})` }, o.yLabel));
    const id = `lrw-clip-${clipCount += 1}`;
    const clip = svg("clipPath", { id });
    clip.append(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B }));
    const g = svg("g", { "clip-path": `url(#${id})` });
    box.append(clip, g);
    // Far outside points (a diverging run) are drawn at the edge of a wide margin.
    const cx = (x) => Math.max(-W, Math.min(2 * W, X(x))), cy = (y) => Math.max(-H, Math.min(2 * H, Y(y)));
    return { X: cx, Y: cy, g };
  }

  function line(g, points, attrs) {
    const ok = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!ok.length) return;
    g.append(svg("path", Object.assign({ fill: "none", "stroke-width": 2,
      d: ok.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(2)},${y.toFixed(2)}`).join("") }, attrs)));
  }
  function dots(g, points, color, r) {
    points.slice(0, 400).forEach(([x, y]) => {
      if (Number.isFinite(x) && Number.isFinite(y)) g.append(svg("circle", { cx: x, cy: y, r: r || 2.2, fill: color }));
    });
  }

  /** A labelled slider with its value beside it; onChange(value) on every move. */
  function slider(name, label, { min, max, step, value, marks }, onChange) {
    const id = `lrw-${name}-${clipCount += 1}`;
    const out = el("output", { for: id, class: "lrw-value", text: String(value) });
    const input = el("input", { type: "range", id, min, max, step, value, "data-param": name,
      list: marks ? `${id}-marks` : null });
    input.addEventListener("input", () => { out.textContent = input.value; onChange(Number(input.value)); });
    const list = marks ? el("datalist", { id: `${id}-marks` }, marks.map((m) => el("option", { value: m }))) : null;
    return el("div", { class: "lrw-control" }, el("label", { for: id, text: label }), input, out, list);
  }
  function choice(name, label, options, value, onChange) {
    const id = `lrw-${name}-${clipCount += 1}`;
    const sel = el("select", { id, "data-param": name },
      options.map(([v, text]) => el("option", { value: v, text, selected: v === value })));
    sel.addEventListener("change", () => onChange(sel.value));
    return el("div", { class: "lrw-control" }, el("label", { for: id, text: label }), sel);
  }

  /** Mount a figure: its controls, its readout, its plots and its JSON block. */
  function mount(root, build) {
    const data = el("script", { type: "application/json", class: "lrw-data" });
    const readout = el("p", { class: "lrw-readout", "aria-live": "polite" });
    const plots = el("div", { class: "lrw-plots" });
    const controls = el("div", { class: "lrw-controls" });
    const title = el("p", { class: "lrw-title" });
    root.replaceChildren(title, controls, readout, plots, data);
    const fig = build({ controls, readout, plots });
    title.textContent = fig.title;
    const render = () => {
      const shown = fig.render();
      data.textContent = JSON.stringify(shown, (k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
      root.dataset.renders = String(Number(root.dataset.renders || 0) + 1);
    };
    fig.changed = render;
    render();
    let width = root.clientWidth;
    window.addEventListener("resize", () => { if (root.clientWidth !== width) { width = root.clientWidth; render(); } });
    root.dataset.ready = "1";
  }
  const plotBox = (plots, label) => {
    const box = svg("svg", { class: "lrw-plot", role: "img", "aria-label": label });
    plots.append(box);
    return box;
  };
  const numbers = (s, fallback) => (s ? s.split(",").map(Number) : fallback);

  // --- lesson 02: the quadratic bowl as the learning rate crosses 2/L ---------------------------
  function bowlFigure(root, { controls, readout, plots }) {
    const k = Number(root.dataset.condition || 10), x0 = numbers(root.dataset.x0, [-1.8, 1.2]);
    const surface = quadraticBowl(k), bound = surface.maxStableLr;
    const state = { lr: Number(root.dataset.lr || 0.19) };
    const hi = Number((1.25 * bound).toPrecision(2)), step = Number((bound / 80).toPrecision(2));
    const fig = { title: `Try it: gradient descent on the bowl with condition ${k} from `
      + `(${x0.join(", ")}), with descend's stopping rules (1000 steps, a step shorter than 1e-6, `
      + `or the point beyond 1e6). Move the rate across 2/L = ${fmt(bound)}.` };
    controls.append(slider("lr", "learning rate", { min: step, max: hi, step, value: state.lr,
      marks: [bound / 2, bound] }, (v) => { state.lr = v; fig.changed(); }));
    const map = plotBox(plots, "gradient descent path on the bowl");
    const dist = plotBox(plots, "distance to the minimum per iteration");
    fig.render = () => {
      const run = descend(surface, x0, state.lr);
      const ratio = state.lr / bound;
      const verdict = run.reason === "diverged" ? "diverges" : run.reason === "small_step" ? "converges"
        : "does not settle";
      const d = run.path.map(norm);
      readout.textContent = `lr = ${fmt(state.lr)}, ${fmt(ratio)} × the bound 2/L = ${fmt(bound)} `
        + `(L = ${k}, the steep curvature): ${verdict}; stopped by ${run.reason} after `
        + `${run.iterations} iterations, at distance ${fmt(d[d.length - 1])} from the minimum.`;
      // the map: contour ellipses f = c, the path, the minimum
      const m = frame(map, { x: [-2, 2], y: [-2, 2], width: 320, height: 300, xLabel: "x",
        yLabel: "y", xTicks: 4 });
      for (let i = 0; i < 12; i += 1) {
        const c = 0.02 * 1.8 ** i, rx = Math.sqrt(2 * c), ry = Math.sqrt(2 * c / k);
        m.g.append(svg("ellipse", { cx: m.X(0), cy: m.Y(0), rx: m.X(rx) - m.X(0), ry: m.Y(0) - m.Y(ry),
          class: "lrw-contour" }));
      }
      const pts = run.path.map(([x, y]) => [m.X(x), m.Y(y)]);
      line(m.g, pts, { stroke: PALETTE[0], "stroke-width": 1.5 });
      dots(m.g, pts, PALETTE[0]);
      m.g.append(svg("text", { x: m.X(0), y: m.Y(0) + 5, "text-anchor": "middle", class: "lrw-star" }, "★"));
      // the distance to the minimum, log scale
      const pos = d.filter((v) => v > 0 && Number.isFinite(v));
      const lo = Math.min(1e-6, ...pos), top = Math.max(10, ...pos);
      const p = frame(dist, { x: [0, Math.max(10, run.iterations)], y: [10 ** Math.floor(Math.log10(lo)),
        10 ** Math.ceil(Math.log10(top))], logY: true, width: 320, height: 300, xLabel: "iteration t",
      yLabel: "distance to the minimum" });
      line(p.g, d.map((v, t) => [p.X(t), v > 0 ? p.Y(v) : NaN]), { stroke: PALETTE[0] });
      return { figure: "bowl", surface: "quadratic_bowl", condition: k, x0, lr: state.lr,
        max_stable_lr: bound, path: run.path, values: run.values, lrs: run.lrs, reason: run.reason,
        iterations: run.iterations };
    };
    return fig;
  }

  // --- lesson 03: escaping a local minimum as the rate changes -----------------------------------
  function wellFigure(root, { controls, readout, plots }) {
    const surface = doubleWell1d(), gamma = Number(root.dataset.gamma || 0.99);
    const state = { lr: Number(root.dataset.lr || 0.15), x0: Number(root.dataset.x0 || 2),
      schedule: root.dataset.schedule || "constant" };
    const fig = { title: "Try it: gradient descent on the double well f(x) = x⁴ − 3x² + x. The "
      + "marks on the rate slider are 2/f'' of the global minimum (0.140) and of the local one (0.214)." };
    controls.append(
      slider("lr", "learning rate (at step 0)", { min: 0.005, max: 0.22, step: 0.005, value: state.lr,
        marks: [0.140, 0.214] }, (v) => { state.lr = v; fig.changed(); }),
      slider("x0", "start x0", { min: -2.1, max: 2.1, step: 0.1, value: state.x0 },
        (v) => { state.x0 = v; fig.changed(); }),
      choice("schedule", "schedule", [["constant", "constant"],
        ["exponential", `× ${gamma} per step (exponential_decay)`]], state.schedule,
      (v) => { state.schedule = v; fig.changed(); }));
    const curve = plotBox(plots, "the double well and the path of gradient descent");
    const iter = plotBox(plots, "the iterate x per step");
    fig.render = () => {
      const S = window.lrlibPort.schedules, lr0 = state.lr;
      const lr = state.schedule === "constant" ? lr0 : (t) => S.exponential_decay(t, lr0, gamma);
      const run = descend(surface, [state.x0], lr);
      const xEnd = run.path[run.path.length - 1][0];
      let ends = "elsewhere";
      if (run.reason === "diverged") ends = "diverged";
      else {
        Object.entries(surface.minima).forEach(([name, x]) => { if (Math.abs(xEnd - x) < 1e-3) ends = name; });
      }
      const where = { global: "in the global minimum", local: "in the local minimum",
        elsewhere: "in no minimum (still bouncing when the steps ran out)", diverged: "nowhere: it diverged" }[ends];
      readout.textContent = `From x0 = ${fmt(state.x0)} with ${state.schedule === "constant" ? "a constant"
        : `a decaying (× ${gamma} per step)`} learning rate ${fmt(lr0)}: stopped by ${run.reason} after `
        + `${run.iterations} steps, ${where}${ends === "diverged" ? "" : ` (x = ${xEnd.toFixed(4)})`}.`;
      const c = frame(curve, { x: [-2.2, 2.2], y: [-4.5, 6], width: 320, height: 280, xLabel: "x", yLabel: "f(x)" });
      const xs = Array.from({ length: 221 }, (_, i) => -2.2 + i * 0.02);
      line(c.g, xs.map((x) => [c.X(x), c.Y(well(x))]), { stroke: "#555", "stroke-width": 1.5 });
      const pts = run.path.map(([x], i) => [c.X(x), c.Y(run.values[i])]);
      line(c.g, pts.slice(0, 400), { stroke: PALETTE[1], "stroke-width": 1, "stroke-opacity": 0.6 });
      dots(c.g, pts, PALETTE[1]);
      Object.values(surface.minima).forEach((x) => c.g.append(svg("text", { x: c.X(x), y: c.Y(well(x)) + 16,
        "text-anchor": "middle", class: "lrw-star" }, "★")));
      const n = Math.max(10, run.iterations);
      const p = frame(iter, { x: [0, n], y: [-2.5, 2.5], width: 320, height: 280, xLabel: "step t",
        yLabel: "x (dashed: the minima)" });
      Object.values(surface.minima).forEach((x) => p.g.append(svg("line", { x1: p.X(0), x2: p.X(n),
        y1: p.Y(x), y2: p.Y(x), class: "lrw-ref" })));
      line(p.g, run.path.map(([x], t) => [p.X(t), p.Y(x)]), { stroke: PALETTE[1], "stroke-width": 1.5 });
      return { figure: "well", surface: "double_well_1d", x0: [state.x0], lr: lr0,
        schedule: state.schedule, gamma, path: run.path, values: run.values, lrs: run.lrs,
        reason: run.reason, iterations: run.iterations, ends };
    };
    return fig;
  }

  // --- lesson 15: the modes of CyclicLR ----------------------------------------------------------
  function cyclicFigure(root, { controls, readout, plots }) {
    const steps = Number(root.dataset.steps || 81);
    const [base, top] = numbers(root.dataset.bounds, [0.01, 0.1]);
    const state = { mode: root.dataset.mode || "triangular", gamma: Number(root.dataset.gamma || 0.98),
      up: Number(root.dataset.up || 10), down: Number(root.dataset.down || 10) };
    const fig = { title: `Try it: CyclicLR between ${base} and ${top} (SGD, momentum cycled `
      + "between 0.8 and 0.9), computed by the explorer's port of lrlib; the other modes are drawn faint." };
    const MODES = ["triangular", "triangular2", "exp_range"];
    controls.append(
      choice("mode", "mode", MODES.map((m) => [m, m]), state.mode, (v) => { state.mode = v; fig.changed(); }),
      slider("gamma", "gamma (exp_range only)", { min: 0.9, max: 1, step: 0.002, value: state.gamma },
        (v) => { state.gamma = v; fig.changed(); }),
      slider("step_size_up", "step_size_up", { min: 1, max: 40, step: 1, value: state.up },
        (v) => { state.up = v; fig.changed(); }),
      slider("step_size_down", "step_size_down", { min: 1, max: 40, step: 1, value: state.down },
        (v) => { state.down = v; fig.changed(); }));
    const legend = el("ul", { class: "lrw-legend" }, MODES.map((m, i) => el("li", {},
      el("span", { class: "lrw-swatch", style: `border-color:${PALETTE[i]}` }), ` ${m}`)));
    plots.before(legend);
    const lrBox = plotBox(plots, "CyclicLR's learning rate per step");
    const momBox = plotBox(plots, "CyclicLR's momentum per step");
    const kwargs = (mode) => ({ base_lr: base, max_lr: top, step_size_up: state.up,
      step_size_down: state.down, mode, gamma: state.gamma });
    fig.render = () => {
      const curves = Object.fromEntries(MODES.map((m) => [m, window.lrlibPort.preview("CyclicLR", kwargs(m),
        { steps, lr: 0.1 })]));
      const cur = curves[state.mode], cycle = state.up + state.down;
      const peaks = [];
      for (let t = state.up; t < steps; t += cycle) peaks.push(cur.lr[t]);
      readout.textContent = `${state.mode}: cycles of ${cycle} steps; the peaks reach `
        + `${peaks.slice(0, 4).map((v) => v.toFixed(4)).join(", ")}${peaks.length > 4 ? ", …" : ""}`
        + ` (max_lr ${top}); the momentum falls from 0.9 toward 0.8 as the rate climbs.`;
      const opts = { x: [0, steps - 1], width: 320, height: 240, xLabel: "step" };
      const a = frame(lrBox, Object.assign({ y: [0, top * 1.05], yLabel: "learning rate" }, opts));
      const b = frame(momBox, Object.assign({ y: [0.79, 0.91], yLabel: "SGD momentum" }, opts));
      MODES.filter((m) => m !== state.mode).forEach((m) => {  // the other modes, faint
        line(a.g, curves[m].lr.map((v, t) => [a.X(t), a.Y(v)]), { stroke: PALETTE[MODES.indexOf(m)],
          "stroke-width": 1, "stroke-dasharray": "4 3", "stroke-opacity": 0.5 });
      });
      line(a.g, cur.lr.map((v, t) => [a.X(t), a.Y(v)]), { stroke: PALETTE[MODES.indexOf(state.mode)], "stroke-width": 2.5 });
      line(b.g, cur.momentum.map((v, t) => [b.X(t), b.Y(v)]), { stroke: PALETTE[MODES.indexOf(state.mode)] });
      return { figure: "cyclic", scheduler: "CyclicLR", kwargs: kwargs(state.mode), steps,
        lr: cur.lr, momentum: cur.momentum,
        others: Object.fromEntries(MODES.filter((m) => m !== state.mode).map((m) => [m, curves[m].lr])) };
    };
    return fig;
  }

  const FIGURES = { bowl: bowlFigure, well: wellFigure, cyclic: cyclicFigure };
  // For the site tests and the curious: the ports the figures use.
  window.lrlibFigures = { descend, quadraticBowl, doubleWell1d };

  function boot() {
    document.querySelectorAll("div.lrw[data-lrw]").forEach((root) => {
      const build = FIGURES[root.dataset.lrw];
      if (!build) throw new Error(`no interactive figure named ${root.dataset.lrw}`);
      mount(root, (parts) => build(root, parts));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
}());
