/* The schedule explorer (book/explorer.md): every scheduler of lrlib.registry, a control for
 * every shaping parameter, the curve, overlays, and the PyTorch and lrlib code of the curve.
 *
 * The registry comes as JSON in the page (<script id="lrlib-registry">, written at build time by
 * book/_ext/explorer_export.py from lrlib.registry.to_json()); the curves come from
 * schedules.js, the tested port of lrlib's schedulers. What is plotted is kept, as JSON, in
 * <script id="lrx-data">, which the site tests read.
 */
(function () {
  "use strict";
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];
  // The parts a composite may hold: SequentialLR runs any closed-form or chainable schedule,
  // ChainedScheduler multiplies chainable ones (lrlib.registry's "kind").
  const MODERN = ["WarmupCosineLR", "WarmupStableDecayLR", "InverseSqrtLR"];
  const PARTS = {
    SequentialLR: ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ExponentialLR",
      "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "LinearLR", "ConstantLR", "PolynomialLR",
      ...MODERN],
    ChainedScheduler: ["MultiplicativeLR", "StepLR", "MultiStepLR", "ExponentialLR",
      "CosineAnnealingLR", "LinearLR", "ConstantLR", "PolynomialLR", ...MODERN],
  };
  // Parameters of which a configuration gives at most one (lrlib raises when given both): a
  // menu picks the one the page shows; the others are left out (None). `none` names the
  // option of giving none of them; `to(kw, option)` switches, keeping the curve where it can.
  const ONE_OF = {
    WarmupCosineLR: {
      label: "floor given as", members: ["eta_min", "min_lr_rate"], none: "no floor (0)",
      to(kw, option) {
        delete kw.eta_min; delete kw.min_lr_rate;
        if (option === "eta_min") kw.eta_min = 0.001;
        if (option === "min_lr_rate") kw.min_lr_rate = 0.1;
      },
    },
    WarmupStableDecayLR: {
      label: "stable phase from", members: ["num_training_steps", "num_stable_steps"],
      to(kw, option) {
        const ends = kw.num_warmup_steps + kw.num_decay_steps;
        const stable = kw.num_stable_steps ?? Math.max(0, kw.num_training_steps - ends);
        delete kw.num_training_steps; delete kw.num_stable_steps;
        if (option === "num_stable_steps") kw.num_stable_steps = stable;
        else kw.num_training_steps = ends + stable;
      },
    },
  };
  const chosen = (group, kw) => group.members.find((m) => kw[m] !== undefined && kw[m] !== null)
    ?? (group.none ? "" : group.members[0]);

  // --- small helpers -------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === undefined || v === null || v === false) return;
      if (k === "on") Object.entries(v).forEach(([ev, fn]) => node.addEventListener(ev, fn));
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    });
    children.flat().forEach((c) => c !== null && c !== undefined && node.append(c));
    return node;
  }
  const svgEl = (tag, attrs) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  };
  const clone = (x) => JSON.parse(JSON.stringify(x));
  const tidy = (v) => Number(Number(v).toPrecision(4));

  /** A Python literal for a plain value (what the registry's JSON holds). */
  function py(v, type) {
    if (v === null || v === undefined) return "None";
    if (typeof v === "boolean") return v ? "True" : "False";
    if (typeof v === "string") return `"${v}"`;
    if (Array.isArray(v)) return `[${v.map((x) => py(x)).join(", ")}]`;
    if (typeof v === "object") {
      return `{${Object.entries(v).map(([k, x]) => `"${k}": ${py(x)}`).join(", ")}}`;
    }
    if (type === "float" && Number.isInteger(v)) return `${v}.0`;
    return String(v);
  }

  // --- the registry ------------------------------------------------------------------------
  let REG = [], BY_NAME = {};
  const entry = (name) => BY_NAME[name];
  const paramOf = (name, p) => entry(name).params.find((q) => q.name === p);
  // The registry entry whose pure schedule is lrlib.schedules.<fn> (LambdaLR's factor).
  const entryOfFunction = (fn) => REG.find((e) => e.schedule === `lrlib.schedules.${fn}`);
  // MultiplicativeLR's constant factor means what ExponentialLR's gamma means.
  const factorParam = () => Object.assign(clone(paramOf("ExponentialLR", "gamma")),
    { name: "factor", doc: "factor applied at every step" });

  function defaults(name) {
    const kw = {};
    entry(name).params.forEach((p) => {
      if (!["function", "schedulers"].includes(p.type) && p.typical !== null) kw[p.name] = clone(p.typical);
    });
    return Object.assign(kw, clone(entry(name).examples[0].kwargs));
  }

  /** "gamma must be > 0, got -1" as lrlib says it, or null. */
  function checkParam(p, v, where) {
    if (v === null || v === undefined || ["choice", "bool", "function", "schedulers"].includes(p.type)) return null;
    const name = where ? `${where}.${p.name}` : p.name;
    const values = p.type === "int list" ? v : [v];
    if (p.type === "int list" && (!Array.isArray(v) || v.some((x) => !Number.isInteger(x)))) {
      return `${name} must be a list of ints, got ${py(v)}`;
    }
    for (const x of values) {
      if (typeof x !== "number" || !Number.isFinite(x)) return `${name} must be a number, got ${x}`;
      if ((p.type === "int" || p.type === "int list") && !Number.isInteger(x)) return `${name} must be an int, got ${x}`;
      if (p.low !== null && (p.low_open ? x <= p.low : x < p.low)) return `${name} must be ${p.low_open ? ">" : ">="} ${p.low}, got ${x}`;
      if (p.high !== null && (p.high_open ? x >= p.high : x > p.high)) return `${name} must be ${p.high_open ? "<" : "<="} ${p.high}, got ${x}`;
    }
    if (p.type === "int list" && v.some((x, i) => i > 0 && x <= v[i - 1])) return `${name} must be strictly increasing, got ${py(v)}`;
    return null;
  }

  function checkConfig(name, kw, where) {
    for (const p of entry(name).params) {
      const err = checkParam(p, kw[p.name], where);
      if (err) return err;
    }
    if (name === "CyclicLR" && kw.base_lr > kw.max_lr) return `base_lr must be <= max_lr, got base_lr=${kw.base_lr} > max_lr=${kw.max_lr}`;
    if ((name === "CyclicLR" || name === "OneCycleLR") && (kw.cycle_momentum ?? true)
        && kw.base_momentum > kw.max_momentum) {
      return `base_momentum must be <= max_momentum, got ${kw.base_momentum} > ${kw.max_momentum}`;
    }
    if (name === "OneCycleLR") {
      let start = 0;
      for (const [end] of lrlibPort.schedules.one_cycle_phases(kw.total_steps, kw.pct_start, kw.three_phase)) {
        if (end <= start) return `pct_start=${kw.pct_start} with total_steps=${kw.total_steps} leaves a phase of the cycle with no steps`;
        start = end;
      }
    }
    const modern = checkModern(name, kw);
    if (modern) return modern;
    if (name === "LambdaLR") {
      const fn = kw.lr_lambda.function, inner = entryOfFunction(fn);
      return inner ? checkConfig(inner.name, kw.lr_lambda.kwargs, "lr_lambda") : null;
    }
    if (name === "MultiplicativeLR") return checkParam(factorParam(), kw.lr_lambda.factor, "lr_lambda");
    if (kw.schedulers) {
      for (const [part, pk] of kw.schedulers) {
        const err = checkConfig(part, pk, part);
        if (err) return err;
      }
      if (name === "SequentialLR" && kw.milestones.length !== kw.schedulers.length - 1) {
        return `SequentialLR needs one milestone fewer than schedulers, got milestones=${py(kw.milestones)}`;
      }
    }
    return null;
  }

  /** The checks of WarmupCosineLR's and WarmupStableDecayLR's arguments across parameters. */
  function checkModern(name, kw) {
    const W = kw.num_warmup_steps, N = kw.num_training_steps;
    if (name === "WarmupCosineLR") {
      if (N < W) return `num_training_steps must be >= num_warmup_steps (${W}), got ${N}`;
      if (kw.eta_min != null && kw.min_lr_rate != null) {
        return `give the floor as eta_min or as min_lr_rate, not both: got eta_min=${kw.eta_min}, min_lr_rate=${kw.min_lr_rate}`;
      }
    }
    if (name === "WarmupStableDecayLR") {
      const ends = W + kw.num_decay_steps, S = kw.num_stable_steps;
      if (N == null && S == null) return "WarmupStableDecayLR needs num_training_steps or num_stable_steps";
      if (S != null && N != null && N !== ends + S) {
        return `num_stable_steps=${S} disagrees with num_training_steps=${N}: give one or the other`;
      }
      if (S == null && N < ends) return `num_training_steps must be >= num_warmup_steps + num_decay_steps (${ends}), got ${N}`;
    }
    return null;
  }

  // --- the code beside the curve --------------------------------------------------------
  /** [name, Python literal] of each argument the code shows: set, and not left at its default. */
  function pairs(name, kw) {
    const out = [];
    entry(name).params.forEach((p) => {
      if (!(p.name in kw) || p.type === "schedulers" || p.type === "function") return;
      if (JSON.stringify(kw[p.name]) === JSON.stringify(p.typical) && !(p.name in entry(name).examples[0].kwargs)) return;
      out.push([p.name, py(kw[p.name], p.type)]);
    });
    return out;
  }
  const args = (name, kw) => pairs(name, kw).map(([k, v]) => `${k}=${v}`);

  /** transformers' schedules in PyTorch: a LambdaLR of lrlib's pure schedule (the factor at
   * each step), and, as a comment, the transformers function that builds the same schedule. */
  function modernTorch(name, kw, lr) {
    let given = pairs(name, kw), fn, hf, theirs = given;
    if (name === "WarmupCosineLR") {  // the factor's floor is a fraction of the lr
      const floor = given.find(([k, v]) => (k === "eta_min" || k === "min_lr_rate") && v !== "None");
      given = given.filter(([k]) => k !== "eta_min" && k !== "min_lr_rate");
      theirs = given;
      hf = "get_cosine_schedule_with_warmup";
      if (floor) {
        const [k, v] = floor, absolute = k === "eta_min";
        given = [...given, ["eta_min", absolute ? `${v} / ${py(lr, "float")}` : v]];
        theirs = [...theirs, [absolute ? "min_lr" : k, v]];
        hf = "get_cosine_with_min_lr_schedule_with_warmup";
      }
      fn = "warmup_cosine";
    } else if (name === "WarmupStableDecayLR") {
      const ends = kw.num_warmup_steps + kw.num_decay_steps;
      const stable = kw.num_stable_steps ?? kw.num_training_steps - ends;
      given = [...given.filter(([k]) => k !== "num_training_steps" && k !== "num_stable_steps"),
        ["num_stable_steps", String(stable)]];
      fn = "warmup_stable_decay";
      hf = "get_wsd_schedule";
    } else {
      fn = "inverse_sqrt";
      hf = "get_inverse_sqrt_schedule";
    }
    const call = (xs) => xs.map(([k, v]) => `${k}=${v}`).join(", ");
    return [["# the same schedule with Hugging Face transformers:",
      `# scheduler = transformers.${hf}(optimizer, ${call(theirs)})`],
    `torch.optim.lr_scheduler.LambdaLR(\n    optimizer,\n    lambda step: lrlib.schedules.${fn}(step, 1.0, ${call(given)}),\n)`];
  }

  function lambdaSource(spec, lib) {
    if (spec.callable === "ConstantFactor") return `lambda step: ${py(spec.factor, "float")}`;
    const inner = entryOfFunction(spec.function);
    const kw = Object.entries(spec.kwargs).map(([k, v]) => `${k}=${py(v, (paramOf(inner.name, k) || {}).type)}`);
    return lib === "torch"
      ? `lambda step: lrlib.schedules.${spec.function}(step, 1.0, ${kw.join(", ")})`
      : `lrlib.registry.ScheduleFactor("${spec.function}", {${Object.entries(spec.kwargs).map(([k, v]) => `"${k}": ${py(v, (paramOf(inner.name, k) || {}).type)}`).join(", ")}})`;
  }

  /** The lines that build the scheduler on `optimizer`: [lines before, the call]. */
  function construct(name, kw, lib) {
    const cls = (n) => (lib === "torch" && TORCH_HAS[n] ? `torch.optim.lr_scheduler.${n}` : `lrlib.${n}`);
    if (kw.schedulers) {
      const names = kw.schedulers.map(([n], i) => `part${i + 1}`);
      const lines = kw.schedulers.map(([n, pk], i) => `${names[i]} = ${construct(n, pk, lib)[1]}`);
      const call = name === "SequentialLR"
        ? `${cls(name)}(optimizer, [${names.join(", ")}], milestones=${py(kw.milestones)})`
        : `${cls(name)}([${names.join(", ")}], optimizer=optimizer)`;
      return [lines, call];
    }
    const a = args(name, kw);
    if (kw.lr_lambda) a.unshift(`lr_lambda=${lambdaSource(kw.lr_lambda, lib)}`);
    return [[], `${cls(name)}(optimizer${a.map((x) => ", " + x).join("")})`];
  }
  const TORCH_HAS = {};

  function metricsSource(m) {
    return `metrics = [round(0.3 + 0.7 * math.exp(-t / ${py(m.tau, "float")}) + ${py(m.wiggle, "float")} * math.sin(1.7 * t), 4) for t in range(${m.steps})]`;
  }

  function code(cfg) {
    const { name, kwargs: kw } = cfg;
    const optim = cfg.optimizer === "adam" ? `torch.optim.Adam(model.parameters(), lr=${py(cfg.lr, "float")})`
      : `torch.optim.SGD(model.parameters(), lr=${py(cfg.lr, "float")}, momentum=0.9)`;
    const plateau = name === "ReduceLROnPlateau";
    const [tLines, tCall] = MODERN.includes(name) ? modernTorch(name, kw, cfg.lr) : construct(name, kw, "torch");
    const torch = [`optimizer = ${optim}`, ...tLines, `scheduler = ${tCall}`,
      plateau ? "# after each epoch: scheduler.step(val_loss)" : "# after each optimizer.step(): scheduler.step()"];
    const extra = [`steps=${cfg.steps}`, `lr=${py(cfg.lr, "float")}`];
    if (cfg.optimizer === "adam") extra.push('optimizer="adam"');
    const momentum = entry(name).cycles_momentum && (kw.cycle_momentum ?? true);
    if (momentum) extra.push("return_momentum=True");
    const out = momentum ? "lrs, momenta" : "lrs";
    const lib = [];
    if (plateau) {
      lib.push(metricsSource(cfg.metric));
      extra.push("metrics=metrics");
    }
    const [lLines, lCall] = construct(name, kw, "lrlib");
    if (lLines.length || kw.lr_lambda) {
      lib.push("def make(optimizer):", ...lLines.map((l) => "    " + l), `    return ${lCall}`);
      lib.push(`${out} = lrlib.preview(make, ${extra.join(", ")})`);
    } else {
      const a = args(name, kw);
      lib.push(`${out} = lrlib.preview(lrlib.${name}, ${[...extra, ...a].join(", ")})`);
    }
    const head = plateau ? "import math\n" : "";
    const torchText = torch.join("\n");
    return { torch: `import torch\n${torchText.includes("lrlib.") ? "import lrlib\n" : ""}${torchText}`,
      lrlib: `${head}import lrlib\n${lib.join("\n")}` };
  }

  // --- the plot ---------------------------------------------------------------------------
  function ticks(lo, hi, n) {
    if (!(hi > lo)) return [lo];
    const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(tidy(v));
    return out;
  }

  function plot(svg, series, opts) {
    svg.replaceChildren();
    const W = Math.max(320, Math.round(svg.getBoundingClientRect().width) || 640), H = opts.height || 300, L = 58, R = 10, T = 10, B = 34;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const pts = series.flatMap((s) => s.values);
    if (!pts.length) return;
    const xmax = Math.max(...series.map((s) => s.values.length)) / opts.perUnit;
    let ylo = Math.min(...pts), yhi = Math.max(...pts);
    const logY = opts.logY && ylo > 0;
    const f = logY ? Math.log10 : (v) => v;
    if (!logY && opts.zero !== false) ylo = Math.min(0, ylo);
    let a = f(ylo), b = f(yhi);
    if (b - a < 1e-12 * Math.max(1, Math.abs(b))) { a -= 0.5 * (Math.abs(a) || 1); b += 0.5 * (Math.abs(b) || 1); }
    b += (b - a) * 0.04;
    const X = (x) => L + (W - L - R) * x / xmax, Y = (y) => T + (H - T - B) * (1 - (f(y) - a) / (b - a));
    const axis = svgEl("g", { class: "lrx-axis" });
    ticks(0, xmax, 6).forEach((x) => {
      axis.append(svgEl("line", { x1: X(x), x2: X(x), y1: T, y2: H - B, class: "lrx-grid" }));
      const t = svgEl("text", { x: X(x), y: H - B + 14, "text-anchor": "middle" }); t.textContent = x; axis.append(t);
    });
    const yt = logY ? ticks(Math.floor(a), Math.ceil(b), 5).filter((e) => Number.isInteger(e)).map((e) => 10 ** e)
      : ticks(a, b, 5);
    yt.filter((y) => f(y) >= a - 1e-12 && f(y) <= b).forEach((y) => {
      axis.append(svgEl("line", { x1: L, x2: W - R, y1: Y(y), y2: Y(y), class: "lrx-grid" }));
      const t = svgEl("text", { x: L - 4, y: Y(y) + 4, "text-anchor": "end" });
      t.textContent = Math.abs(y) >= 1e-3 || y === 0 ? String(tidy(y)) : y.toExponential(0); axis.append(t);
    });
    const xl = svgEl("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" });
    xl.textContent = opts.xLabel; axis.append(xl);
    const yl = svgEl("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${(T + H - B) / 2})` });
    yl.textContent = opts.yLabel; axis.append(yl);
    svg.append(axis);
    series.forEach((s) => {  // stairs: the value of step i holds from i to i + 1
      const d = s.values.map((v, i) => `${i ? "L" : "M"}${X(i / opts.perUnit).toFixed(2)},${Y(v).toFixed(2)}H${X((i + 1) / opts.perUnit).toFixed(2)}`).join("");
      svg.append(svgEl("path", { d, fill: "none", stroke: s.color, "stroke-width": s.width || 2, "stroke-dasharray": s.dash || "" }));
    });
  }

  // --- the controls ---------------------------------------------------------------------------
  /** A control for one registry parameter; `set(value)` is called with each new value. */
  function control(p, value, path, set) {
    const id = `lrx-${path.replace(/[^A-Za-z0-9_]/g, "-")}`;
    const label = el("label", { for: id, title: p.doc }, el("code", { text: p.name }), el("span", { class: "lrx-doc", text: ` ${p.doc}` }));
    const common = { id, "data-path": path, "data-type": p.type };
    if (p.type === "bool") {
      const box = el("input", Object.assign({ type: "checkbox", checked: !!value, on: { change: (e) => set(e.target.checked) } }, common));
      return el("div", { class: "lrx-field lrx-bool" }, box, label);
    }
    if (p.type === "choice") {
      const sel = el("select", Object.assign({ on: { change: (e) => set(e.target.value) } }, common),
        p.choices.map((c) => el("option", { value: c, selected: c === value, text: c })));
      return el("div", { class: "lrx-field" }, label, sel);
    }
    if (p.type === "int list") {
      const box = el("input", Object.assign({ type: "text", value: (value || []).join(", "), inputmode: "numeric",
        on: { change: (e) => set(e.target.value.split(/[\s,]+/).filter(Boolean).map(Number)) } }, common));
      return el("div", { class: "lrx-field" }, label, box);
    }
    const isInt = p.type === "int";
    const row = el("div", { class: "lrx-range" });
    const num = el("input", Object.assign({ type: "number", step: isInt ? 1 : "any", value: value ?? "",
      "data-low": p.display ? p.display[0] : "", "data-high": p.display ? p.display[1] : "", "data-log": p.log ? "1" : "" }, common));
    let slider = null, none = null;
    if (p.display) {
      const [lo, hi] = p.display, lg = p.log && lo > 0;
      const toS = (v) => (lg ? Math.log10(v) : v), fromS = (s) => (lg ? tidy(10 ** s) : isInt ? Math.round(s) : tidy(s));
      slider = el("input", { type: "range", "aria-label": p.name, min: toS(lo), max: toS(hi),
        step: isInt && !lg ? 1 : (toS(hi) - toS(lo)) / 200, value: value === null ? toS(lo) : toS(value) });
      slider.addEventListener("input", () => { const v = fromS(Number(slider.value)); num.value = v; if (none) none.checked = false; set(v); });
      row.append(slider);
    }
    num.addEventListener("change", () => {
      if (num.value === "" && p.typical === null) { set(null); return; }
      const v = Number(num.value);
      if (slider) slider.value = p.log && p.display[0] > 0 ? Math.log10(v) : v;
      if (none) none.checked = false;
      set(v);
    });
    row.append(num);
    if (p.typical === null) {  // e.g. CyclicLR's step_size_down: None means "as the rise"
      none = el("input", { type: "checkbox", checked: value === null, "data-path": `${path}:none`, "aria-label": `${p.name} None`,
        on: { change: (e) => { if (e.target.checked) { num.value = ""; set(null); } else set(Number(num.value || (p.display || [1])[0])); } } });
      row.append(el("label", { class: "lrx-none" }, none, " None"));
    }
    return el("div", { class: "lrx-field" }, label, row);
  }

  function schedulerControls(name, kw, path, rerender) {
    const box = el("div", { class: "lrx-params" });
    const e = entry(name);
    e.params.forEach((p) => {
      const sub = path ? `${path}.${p.name}` : p.name;
      if (p.type === "function") {
        box.append(...lambdaControls(name, kw, sub, rerender));
      } else if (p.type === "schedulers") {
        kw.schedulers.forEach((part, i) => {
          const sel = el("select", { "data-path": `${sub}.${i}`, "data-type": "part", id: `lrx-part-${i}`,
            on: { change: (ev) => { kw.schedulers[i] = [ev.target.value, defaults(ev.target.value)]; rerender(true); } } },
          PARTS[name].map((n) => el("option", { value: n, selected: n === part[0], text: n })));
          box.append(el("fieldset", { class: "lrx-part" }, el("legend", {}, el("label", { for: `lrx-part-${i}`, text: `part ${i + 1}: ` }), sel),
            schedulerControls(part[0], part[1], `${sub}.${i}`, rerender)));
        });
      } else if (ONE_OF[name] && ONE_OF[name].members.includes(p.name)) {
        const group = ONE_OF[name];
        if (p.name === group.members[0]) box.append(oneOfControl(group, kw, sub, rerender));
        if (p.name !== chosen(group, kw)) return;  // shown: the chosen one, without "None"
        box.append(control(Object.assign({}, p, { typical: kw[p.name] }), kw[p.name], sub,
          (v) => { kw[p.name] = v; rerender(false); }));
      } else {
        box.append(control(p, kw[p.name] ?? null, sub, (v) => { kw[p.name] = v; rerender(false); }));
      }
    });
    return box;
  }

  /** The menu of a ONE_OF group: which of its parameters the configuration gives. */
  function oneOfControl(group, kw, path, rerender) {
    const id = `lrx-${path.replace(/[^A-Za-z0-9_]/g, "-")}-one-of`, now = chosen(group, kw);
    const options = [...(group.none ? [["", group.none]] : []), ...group.members.map((m) => [m, m])];
    const sel = el("select", { id, "data-path": `${path}:one-of`, "data-type": "one-of",
      on: { change: (e) => { group.to(kw, e.target.value); rerender(true); } } },
    options.map(([v, text]) => el("option", { value: v, selected: v === now, text })));
    return el("div", { class: "lrx-field" }, el("label", { for: id, text: group.label }), sel);
  }

  function lambdaControls(name, kw, path, rerender) {
    if (name === "MultiplicativeLR") {
      const p = factorParam();
      return [control(p, kw.lr_lambda.factor, `${path}.factor`, (v) => { kw.lr_lambda.factor = v; rerender(false); })];
    }
    const spec = kw.lr_lambda, fns = lrlibPort.factorFunctions.filter(entryOfFunction);
    const sel = el("select", { "data-path": `${path}.function`, "data-type": "part", id: "lrx-lambda-fn",
      on: { change: (ev) => {
        const inner = entryOfFunction(ev.target.value), d = defaults(inner.name);
        spec.function = ev.target.value;
        spec.kwargs = Object.fromEntries(inner.params.filter((q) => q.name in d).map((q) => [q.name, d[q.name]]));
        rerender(true);
      } } }, fns.map((f) => el("option", { value: f, selected: f === spec.function, text: `lrlib.schedules.${f}` })));
    const inner = entryOfFunction(spec.function);
    const box = el("fieldset", { class: "lrx-part" }, el("legend", {}, el("label", { for: "lrx-lambda-fn", text: "lr_lambda: factor " }), sel));
    inner.params.forEach((p) => {
      if (!(p.name in spec.kwargs) && p.typical === null) return;
      if (!(p.name in spec.kwargs)) spec.kwargs[p.name] = clone(p.typical);
      box.append(control(p, spec.kwargs[p.name], `${path}.kwargs.${p.name}`, (v) => { spec.kwargs[p.name] = v; rerender(false); }));
    });
    return [box];
  }

  // --- the page ---------------------------------------------------------------------------
  /** The curve of a configuration as the page draws it, or the error lrlib would raise. */
  function compute(cfg) {
    const error = checkConfig(cfg.name, cfg.kwargs);
    if (error) return { error, lr: [], momentum: [] };
    const metrics = cfg.name === "ReduceLROnPlateau" ? cfg.metrics || metricSeries(cfg.metric) : undefined;
    if (cfg.name === "OneCycleLR" && cfg.steps > cfg.kwargs.total_steps + 1) {
      return { error: `OneCycleLR raises after total_steps=${cfg.kwargs.total_steps} steps: show at most ${cfg.kwargs.total_steps + 1} steps or raise total_steps`, lr: [], momentum: [] };
    }
    try {
      const out = lrlibPort.preview(cfg.name, cfg.kwargs, { steps: cfg.steps, lr: cfg.lr, optimizer: cfg.optimizer, metrics });
      return Object.assign(out, { metrics });
    } catch (e) {
      return { error: String(e.message || e), lr: [], momentum: [] };
    }
  }

  function metricSeries(m) {
    return Array.from({ length: m.steps }, (_, t) => Math.round((0.3 + 0.7 * Math.exp(-t / m.tau) + m.wiggle * Math.sin(1.7 * t)) * 1e4) / 1e4);
  }

  function mount(root) {
    const blob = JSON.parse(document.getElementById("lrlib-registry").textContent);
    REG = blob.registry;
    BY_NAME = Object.fromEntries(REG.map((e) => [e.name, e]));
    blob.torch_classes.forEach((n) => { TORCH_HAS[n] = true; });
    const missing = REG.map((e) => e.name).filter((n) => !lrlibPort.names.includes(n));
    const state = { name: REG[0].name, kwargs: null, lr: 0.1, optimizer: "sgd", steps: 100, perEpoch: 10,
      unit: "batches", logY: false, metric: { tau: 8, wiggle: 0.01, steps: 80 } };
    const overlays = [];
    const dataBlock = el("script", { type: "application/json", id: "lrx-data" });
    const err = el("p", { class: "lrx-error", role: "alert" });
    const params = el("div", { class: "lrx-paramsbox" });
    const examples = el("div", { class: "lrx-examples" });
    const lrSvg = svgEl("svg", { class: "lrx-plot", role: "img", "aria-label": "learning rate per step" });
    const momSvg = svgEl("svg", { class: "lrx-plot lrx-momentum", role: "img", "aria-label": "momentum per step" });
    const metSvg = svgEl("svg", { class: "lrx-plot lrx-metric", role: "img", "aria-label": "metric per step" });
    const legend = el("ul", { class: "lrx-legend" });
    const codeTorch = el("code", { class: "language-python" }), codeLib = el("code", { class: "language-python" });
    const copyBtn = (src, label) => el("button", { type: "button", class: "lrx-copy", "data-copy": label, on: { click: (ev) => {
      const text = src.textContent;
      const done = () => { ev.target.textContent = "copied"; setTimeout(() => { ev.target.textContent = "copy"; }, 1200); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, () => {});
      else { const ta = el("textarea", {}); ta.value = text; document.body.append(ta); ta.select(); document.execCommand("copy"); ta.remove(); done(); }
    } }, text: "copy" });

    const select = el("select", { id: "lrx-scheduler", on: { change: (e) => load(e.target.value, 0) } },
      REG.map((e) => el("option", { value: e.name, text: e.name })));
    const num = (id, value, min, max, on) => el("input", { id, type: "number", value, min, max, step: id === "lrx-lr" ? "any" : 1,
      on: { change: (e) => on(Number(e.target.value)) } });
    const stepsIn = num("lrx-steps", state.steps, 1, 5000, (v) => { state.steps = v; state.metric.steps = v; render(); });
    const lrIn = num("lrx-lr", state.lr, 0, 10, (v) => { state.lr = v; render(); });
    const perEpochIn = num("lrx-per-epoch", state.perEpoch, 1, 100000, (v) => { state.perEpoch = v; render(); });
    const unitSel = el("select", { id: "lrx-unit", on: { change: (e) => { state.unit = e.target.value; render(); } } },
      el("option", { value: "batches", text: "batches" }), el("option", { value: "epochs", text: "epochs" }));
    const optSel = el("select", { id: "lrx-optimizer", on: { change: (e) => { state.optimizer = e.target.value; render(); } } },
      el("option", { value: "sgd", text: "SGD (momentum 0.9)" }), el("option", { value: "adam", text: "Adam (beta1 0.9)" }));
    const logBox = el("input", { type: "checkbox", id: "lrx-log", on: { change: (e) => { state.logY = e.target.checked; render(); } } });
    const metricBox = el("div", { class: "lrx-metricbox" });

    function load(name, k) {
      const ex = entry(name).examples[k];
      Object.assign(state, { name, kwargs: Object.assign(defaults(name), clone(ex.kwargs)), lr: ex.lr, steps: ex.steps });
      state.metric.steps = ex.steps;
      select.value = name; stepsIn.value = state.steps; lrIn.value = state.lr;
      examples.replaceChildren(...(entry(name).examples.length > 1 ? entry(name).examples.map((x, i) =>
        el("button", { type: "button", class: "lrx-example", on: { click: () => load(name, i) }, text: x.label || `example ${i + 1}` })) : []));
      controls();
      render();
    }
    function controls() {
      params.replaceChildren(schedulerControls(state.name, state.kwargs, "", (structural) => { if (structural) controls(); render(); }));
      metricBox.hidden = state.name !== "ReduceLROnPlateau";
      metricBox.replaceChildren(el("p", { class: "lrx-doc", text: "synthetic validation loss: 0.3 + 0.7 exp(-t / tau) + wiggle sin(1.7 t)" }),
        control({ name: "tau", type: "float", doc: "how fast the loss falls", display: [1, 50], low: 0, low_open: true, high: null, typical: 8 },
          state.metric.tau, "metric.tau", (v) => { state.metric.tau = v; render(); }),
        control({ name: "wiggle", type: "float", doc: "amplitude of its noise", display: [0, 0.1], low: 0, high: null, typical: 0.01 },
          state.metric.wiggle, "metric.wiggle", (v) => { state.metric.wiggle = v; render(); }));
    }

    function snapshot() {
      return { name: state.name, kwargs: clone(state.kwargs), lr: state.lr, optimizer: state.optimizer,
        steps: state.steps, metric: clone(state.metric) };
    }

    function render() {
      const cfg = snapshot(), out = compute(cfg), c = code(cfg);
      const cycled = entry(cfg.name).cycles_momentum && (cfg.kwargs.cycle_momentum ?? true);
      err.textContent = out.error ? `lrlib would raise: ${out.error}` : "";
      codeTorch.textContent = c.torch; codeLib.textContent = c.lrlib;
      const perUnit = state.unit === "epochs" ? state.perEpoch : 1;
      const xLabel = state.unit === "epochs" ? `epoch (${state.perEpoch} batches each)` : "step (batch)";
      const all = overlays.map((o, i) => ({ ...o, color: COLORS[(i + 1) % COLORS.length], dash: "6 3" }));
      plot(lrSvg, [...all.map((o) => ({ values: o.values.lr, color: o.color, dash: o.dash })), { values: out.lr, color: COLORS[0], width: 2.5 }],
        { perUnit, xLabel, yLabel: "learning rate", logY: state.logY });
      const momName = cfg.optimizer === "adam" ? "beta1" : "momentum";
      momSvg.style.display = cycled && !out.error ? "" : "none";
      if (cycled && !out.error) plot(momSvg, [{ values: out.momentum, color: COLORS[0] }], { perUnit, xLabel, yLabel: momName, height: 180, zero: false });
      metSvg.style.display = out.metrics ? "" : "none";
      if (out.metrics) plot(metSvg, [{ values: out.metrics, color: "#555" }], { perUnit, xLabel, yLabel: "val loss (synthetic)", height: 180, zero: false });
      legend.replaceChildren(el("li", {}, el("span", { class: "lrx-swatch", style: `background:${COLORS[0]}` }), ` current: ${cfg.name}`),
        ...all.map((o, i) => el("li", {}, el("span", { class: "lrx-swatch lrx-dashed", style: `border-color:${o.color}` }), ` ${o.label} `,
          el("button", { type: "button", class: "lrx-remove", "aria-label": `remove ${o.label}`, on: { click: () => { overlays.splice(i, 1); render(); } }, text: "×" }))));
      const data = { config: cfg, values: { lr: out.lr, momentum: cycled ? out.momentum : null, metrics: out.metrics || null },
        error: out.error || null, code: c, overlays: overlays.map((o) => ({ label: o.label, config: o.config, values: o.values })),
        momentum_name: cycled ? momName : null, missing_ports: missing };
      dataBlock.textContent = JSON.stringify(data);
      root.dataset.renders = String(Number(root.dataset.renders || 0) + 1);
    }

    const pin = el("button", { type: "button", id: "lrx-pin", on: { click: () => {
      const cfg = snapshot(), out = compute(cfg);
      if (out.error) return;
      const brief = args(cfg.name, cfg.kwargs).join(", ");
      overlays.push({ label: `${cfg.name}(${brief.length > 60 ? brief.slice(0, 57) + "..." : brief})`, config: cfg, values: { lr: out.lr, momentum: out.momentum } });
      render();
    } }, text: "keep this curve" });

    root.replaceChildren(
      el("div", { class: "lrx-top" },
        el("div", { class: "lrx-field" }, el("label", { for: "lrx-scheduler", text: "scheduler" }), select),
        el("div", { class: "lrx-field" }, el("label", { for: "lrx-lr", text: "optimizer lr" }), lrIn),
        el("div", { class: "lrx-field" }, el("label", { for: "lrx-optimizer", text: "optimizer" }), optSel),
        el("div", { class: "lrx-field" }, el("label", { for: "lrx-steps", text: "steps shown" }), stepsIn),
        el("div", { class: "lrx-field" }, el("label", { for: "lrx-per-epoch", text: "steps per epoch" }), perEpochIn),
        el("div", { class: "lrx-field" }, el("label", { for: "lrx-unit", text: "x axis in" }), unitSel),
        el("div", { class: "lrx-field lrx-bool" }, logBox, el("label", { for: "lrx-log", text: "log scale" }))),
      examples,
      el("div", { class: "lrx-main" },
        el("div", { class: "lrx-side" }, params, metricBox),
        el("div", { class: "lrx-view" }, err, lrSvg, momSvg, metSvg,
          el("div", { class: "lrx-overlay" }, pin, el("button", { type: "button", id: "lrx-clear", on: { click: () => { overlays.length = 0; render(); } }, text: "clear kept curves" })),
          legend,
          el("div", { class: "lrx-code" }, el("div", { class: "lrx-codehead" }, el("strong", { text: "PyTorch" }), copyBtn(codeTorch, "torch")), el("pre", {}, codeTorch)),
          el("div", { class: "lrx-code" }, el("div", { class: "lrx-codehead" }, el("strong", { text: "lrlib (the curve above)" }), copyBtn(codeLib, "lrlib")), el("pre", {}, codeLib)))),
      dataBlock);
    load(state.name, 0);
    let width = root.clientWidth;
    window.addEventListener("resize", () => { if (root.clientWidth !== width) { width = root.clientWidth; render(); } });
    root.dataset.ready = "1";
  }

  // For the site tests: the page's own path from a configuration to its curve and its code.
  window.lrExplorer = { compute, code, parts: PARTS };
  function boot() {
    const root = document.getElementById("lrx-root");
    if (root) mount(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
}());
