/* lrlib's schedulers, ported to JavaScript for the schedule explorer (book/explorer.md).
 *
 * A port, not a second design: each pure function mirrors lrlib/schedules.py and each class
 * mirrors the step() of its twin in lrlib/schedulers.py, operation for operation, so that a
 * curve computed here equals lrlib.preview's for the same configuration. tests/test_site.py
 * (test_explorer_port_equals_lrlib) checks that on hundreds of random configurations of every
 * scheduler of lrlib.registry, to a relative 1e-9. A scheduler added to the registry without a
 * port here fails that test.
 *
 * window.lrlibPort.preview(name, kwargs, {steps, lr, optimizer, metrics}) -> {lr, momentum}
 * takes the keyword arguments as lrlib.registry's JSON writes them (lrlib.registry.to_json).
 */
(function () {
  "use strict";

  // --- pure schedules: lrlib/schedules.py ------------------------------------------------
  function bisectRight(sorted, t) {
    let n = 0;
    while (n < sorted.length && sorted[n] <= t) n += 1;
    return n;
  }
  const S = {
    step_decay: (t, base, step_size, gamma = 0.1) => base * gamma ** Math.floor(t / step_size),
    multistep_decay: (t, base, milestones, gamma = 0.1) =>
      base * gamma ** bisectRight([...milestones].sort((a, b) => a - b), t),
    exponential_decay: (t, base, gamma) => base * gamma ** t,
    cosine_annealing: (t, base, T_max, eta_min = 0.0) =>
      eta_min + (base - eta_min) * (1 + Math.cos(Math.PI * t / T_max)) / 2,
    linear: (t, base, start = 1 / 3, end = 1.0, total = 5) =>
      base * (start + (end - start) * Math.min(total, t) / total),
    linear_factor: (t, start = 1 / 3, end = 1.0, total = 5) =>
      1.0 + (end - start) / (total * start + (t - 1) * (end - start)),
    constant: (t, base, factor = 1 / 3, total = 5) => base * (t < total ? factor : 1.0),
    polynomial: (t, base, total = 5, power = 1.0) =>
      base * (1.0 - Math.min(total, t) / total) ** power,
    polynomial_factor: (t, total = 5, power = 1.0) =>
      ((1.0 - t / total) / (1.0 - (t - 1) / total)) ** power,
    cyclic_position(t, up, down) {
      const total = up + down, ratio = up / total;
      const cycle = Math.floor(1 + t / total), x = 1.0 + t / total - cycle;
      return [cycle, x <= ratio ? x / ratio : (x - 1) / (ratio - 1)];
    },
    cyclic_value: (low, high, height, scale) => low + (high - low) * height * scale,
    anneal(start, end, pct, strategy) {
      if (strategy === "cos") return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
      return (end - start) * pct + start;
    },
    one_cycle_phases(total, pct_start, three_phase) {
      const upEnd = pct_start * total - 1;
      if (three_phase) {
        return [[upEnd, "initial", "max"], [2 * pct_start * total - 2, "max", "initial"],
          [total - 1, "initial", "min"]];
      }
      return [[upEnd, "initial", "max"], [total - 1, "max", "min"]];
    },
    one_cycle_position(t, phases) {
      let start = 0.0;
      for (let i = 0; i < phases.length; i += 1) {
        if (t <= phases[i][0] || i === phases.length - 1) {
          return [i, (t - start) / (phases[i][0] - start)];
        }
        start = phases[i][0];
      }
      throw new Error("phases must not be empty");
    },
    plateau_improved(current, best, mode, threshold, thresholdMode) {
      if (mode === "min") {
        return current < (thresholdMode === "rel" ? best * (1.0 - threshold) : best - threshold);
      }
      return current > (thresholdMode === "rel" ? best * (threshold + 1.0) : best + threshold);
    },
    plateau_reduced(lr, factor, min_lr, eps) {
      const next = Math.max(lr * factor, min_lr);
      return lr - next > eps ? next : lr;
    },
    // transformers' get_scheduler schedules
    linear_warmup: (t, warmup) => t / Math.max(1, warmup),
    cosine_wave: (progress, cycles = 0.5) => 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress)),
    warmup_cosine(t, base, warmup, training, cycles = 0.5, eta_min = 0.0) {
      if (t < warmup) return base * S.linear_warmup(t, warmup);
      const progress = (t - warmup) / Math.max(1, training - warmup);
      return eta_min + (base - eta_min) * S.cosine_wave(progress, cycles);
    },
    warmup_shape(progress, type = "linear") {
      if (type === "linear") return progress;
      if (type === "cosine") return 0.5 * (1.0 - Math.cos(Math.PI * progress));
      return 1.0 - Math.sqrt(1.0 - progress);
    },
    cooldown_shape(progress, type = "cosine", cycles = 0.5) {
      if (type === "linear") return 1.0 - progress;
      if (type === "cosine") return S.cosine_wave(progress, cycles);
      return 1.0 - Math.sqrt(progress);
    },
    warmup_stable_decay(t, base, warmup, stable, decay, warmupType = "linear", decayType = "cosine",
      ratio = 0.0, cycles = 0.5) {
      if (t < warmup) {
        const shape = S.warmup_shape(S.linear_warmup(t, warmup), warmupType);
        return base * (shape * (1.0 - ratio) + ratio);
      }
      const stableEnd = warmup + stable;
      if (t < stableEnd) return base * 1.0;
      if (t < stableEnd + decay) {
        const shape = S.cooldown_shape((t - stableEnd) / Math.max(1, decay), decayType, cycles);
        return base * (shape * (1.0 - ratio) + ratio);
      }
      return base * ratio;
    },
    inverse_sqrt(t, base, warmup, timescale = null) {
      const scale = timescale ?? (warmup || 10000);
      if (t < warmup) return base * S.linear_warmup(t, warmup);
      return base * (1.0 / Math.sqrt((t + (scale - warmup)) / scale));
    },
  };
  // Python's % on a non-negative divisor (JavaScript's % keeps the sign of the dividend).
  const pymod = (a, b) => ((a % b) + b) % b;

  // The pure function behind each LambdaLR factor (lrlib.registry.ScheduleFactor): the name of
  // a function of lrlib.schedules and its keyword arguments, in Python's positional order.
  const FACTOR_ARGS = {
    step_decay: ["step_size", "gamma"], multistep_decay: ["milestones", "gamma"],
    exponential_decay: ["gamma"], cosine_annealing: ["T_max", "eta_min"],
    linear: ["start_factor", "end_factor", "total_iters"], constant: ["factor", "total_iters"],
    polynomial: ["total_iters", "power"],
  };
  function lrLambda(spec) {
    if (spec.callable === "ConstantFactor") return () => spec.factor;
    if (spec.callable === "ScheduleFactor" && FACTOR_ARGS[spec.function]) {
      const fn = S[spec.function], kw = spec.kwargs || {};
      const args = FACTOR_ARGS[spec.function].map((k) => kw[k]);
      return (t) => fn(t, 1.0, ...args);
    }
    throw new Error(`lr_lambda ${JSON.stringify(spec)} has no JavaScript port`);
  }

  // --- schedulers: lrlib/schedulers.py, stepped as torch steps them ------------------------
  // `opt` is one parameter group: {lr, initial_lr, momentum}.
  class Base {
    constructor(opt, kw) {
      this.opt = opt;
      this.kw = kw;
      if (opt.initial_lr === undefined) opt.initial_lr = opt.lr;
      this.base = opt.initial_lr;
      this.last_epoch = -1;
    }
    start() { this.initial = true; this.step(); this.initial = false; return this; }
    step() { this.last_epoch += 1; this.opt.lr = this.getLr(); }
    jumpToZero() {  // SequentialLR at a milestone: step(0), by the closed form where there is one
      this.last_epoch = 0;
      this.opt.lr = this.closedForm ? this.closedForm() : this.getLr();
    }
  }
  const C = {};
  C.LambdaLR = class extends Base {
    getLr() { return this.base * lrLambda(this.kw.lr_lambda)(this.last_epoch); }
  };
  C.MultiplicativeLR = class extends Base {
    getLr() {
      return this.initial ? this.opt.lr : this.opt.lr * lrLambda(this.kw.lr_lambda)(this.last_epoch);
    }
  };
  C.StepLR = class extends Base {
    getLr() {
      const t = this.last_epoch, s = this.kw.step_size, g = this.kw.gamma ?? 0.1;
      if (t === 0) return this.opt.lr;
      return this.opt.lr * g ** (Math.floor(t / s) - Math.floor((t - 1) / s));
    }
    closedForm() { return S.step_decay(this.last_epoch, this.base, this.kw.step_size, this.kw.gamma ?? 0.1); }
  };
  C.MultiStepLR = class extends Base {
    getLr() {
      const t = this.last_epoch, m = [...this.kw.milestones].sort((a, b) => a - b);
      if (!m.includes(t)) return this.opt.lr;
      return this.opt.lr * (this.kw.gamma ?? 0.1) ** (bisectRight(m, t) - bisectRight(m, t - 1));
    }
    closedForm() { return S.multistep_decay(this.last_epoch, this.base, this.kw.milestones, this.kw.gamma ?? 0.1); }
  };
  C.ExponentialLR = class extends Base {
    getLr() { return this.initial ? this.opt.lr : this.opt.lr * this.kw.gamma; }
    closedForm() { return S.exponential_decay(this.last_epoch, this.base, this.kw.gamma); }
  };
  C.CosineAnnealingLR = class extends Base {
    unit(t) { return S.cosine_annealing(t, 1.0, this.kw.T_max, 0.0); }
    getLr() {
      const t = this.last_epoch, T = this.kw.T_max, eta = this.kw.eta_min ?? 0.0;
      if (this.initial) return this.opt.lr;
      if (pymod(t - 1 - T, 2 * T) === 0) {
        return this.opt.lr + (this.base - eta) * (this.unit(0) - this.unit(1));
      }
      return this.unit(t) / this.unit(t - 1) * (this.opt.lr - eta) + eta;
    }
    closedForm() { return S.cosine_annealing(this.last_epoch, this.base, this.kw.T_max, this.kw.eta_min ?? 0.0); }
  };
  C.CosineAnnealingWarmRestarts = class extends Base {
    constructor(opt, kw) { super(opt, kw); this.T_i = kw.T_0; this.T_cur = 0; }
    step() {
      if (this.last_epoch < 0) {
        this.T_cur = 0; this.T_i = this.kw.T_0; this.last_epoch = 0;
      } else {
        this.last_epoch += 1;
        this.T_cur += 1;
        if (this.T_cur >= this.T_i) { this.T_cur = pymod(this.T_cur, this.T_i); this.T_i *= this.kw.T_mult ?? 1; }
      }
      this.opt.lr = this.getLr();
    }
    getLr() { return S.cosine_annealing(this.T_cur, this.base, this.T_i, this.kw.eta_min ?? 0.0); }
  };
  C.CyclicLR = class extends Base {
    constructor(opt, kw) {
      opt.lr = kw.base_lr;
      super(opt, kw);
      this.base = kw.base_lr;
      this.up = kw.step_size_up ?? 2000;
      this.down = kw.step_size_down ?? this.up;
      this.cycleMomentum = kw.cycle_momentum ?? true;
      if (this.cycleMomentum) opt.momentum = kw.max_momentum ?? 0.9;
    }
    getLr() {
      const t = this.last_epoch, kw = this.kw, mode = kw.mode ?? "triangular";
      const [cycle, height] = S.cyclic_position(t, this.up, this.down);
      const scale = mode === "triangular" ? 1.0 : mode === "triangular2"
        ? 1 / 2.0 ** (cycle - 1) : (kw.gamma ?? 1.0) ** t;
      if (this.cycleMomentum) {
        this.opt.momentum = S.cyclic_value(kw.max_momentum ?? 0.9, kw.base_momentum ?? 0.8, height, scale);
      }
      return S.cyclic_value(this.base, kw.max_lr, height, scale);
    }
  };
  C.OneCycleLR = class extends Base {
    constructor(opt, kw) {
      super(opt, kw);
      const total = kw.total_steps ?? kw.epochs * kw.steps_per_epoch;
      this.total = total;
      this.phases = S.one_cycle_phases(total, kw.pct_start ?? 0.3, kw.three_phase ?? false);
      const initial = kw.max_lr / (kw.div_factor ?? 25.0);
      this.values = { initial, max: kw.max_lr, min: initial / (kw.final_div_factor ?? 1e4) };
      const top = kw.max_momentum ?? 0.95;
      this.momenta = { initial: top, max: kw.base_momentum ?? 0.85, min: top };
      this.cycleMomentum = kw.cycle_momentum ?? true;
      if (this.cycleMomentum) opt.momentum = top;
    }
    getLr() {
      const t = this.last_epoch, strategy = this.kw.anneal_strategy ?? "cos";
      if (t > this.total) throw new Error(`OneCycleLR was stepped ${t} times but total_steps is ${this.total}`);
      const [i, pct] = S.one_cycle_position(t, this.phases);
      const [, a, b] = this.phases[i];
      if (this.cycleMomentum) this.opt.momentum = S.anneal(this.momenta[a], this.momenta[b], pct, strategy);
      return S.anneal(this.values[a], this.values[b], pct, strategy);
    }
  };
  C.LinearLR = class extends Base {
    args() { return [this.kw.start_factor ?? 1 / 3, this.kw.end_factor ?? 1.0, this.kw.total_iters ?? 5]; }
    getLr() {
      const t = this.last_epoch, [s, e, n] = this.args();
      if (t === 0) return this.opt.lr * S.linear(0, 1.0, s, e, n);
      if (this.initial || t > n) return this.opt.lr;
      return this.opt.lr * S.linear_factor(t, s, e, n);
    }
    closedForm() { return S.linear(this.last_epoch, this.base, ...this.args()); }
  };
  C.ConstantLR = class extends Base {
    unit(t) { return S.constant(t, 1.0, this.kw.factor ?? 1 / 3, this.kw.total_iters ?? 5); }
    getLr() {
      const t = this.last_epoch;
      if (t === 0) return this.opt.lr * this.unit(0);
      if (t !== (this.kw.total_iters ?? 5)) return this.opt.lr;
      return this.opt.lr * (this.unit(t) / this.unit(t - 1));
    }
    closedForm() { return S.constant(this.last_epoch, this.base, this.kw.factor ?? 1 / 3, this.kw.total_iters ?? 5); }
  };
  C.PolynomialLR = class extends Base {
    getLr() {
      const t = this.last_epoch, n = this.kw.total_iters ?? 5;
      if (this.initial || t > n) return this.opt.lr;
      return this.opt.lr * S.polynomial_factor(t, n, this.kw.power ?? 1.0);
    }
    closedForm() { return S.polynomial(this.last_epoch, this.base, this.kw.total_iters ?? 5, this.kw.power ?? 1.0); }
  };
  // lrlib's _UnitSchedule: lr = base * unit(t), stepped by the ratio unit(t) / unit(t - 1) (by
  // the difference where unit(t - 1) is 0), above a floor where floors(t) gives one.
  class Unit extends Base {
    floors() { return null; }
    getLr() {
      const t = this.last_epoch, lr = this.opt.lr;
      if (t === 0) return lr * this.unit(0);
      if (this.initial) return lr;
      const before = this.unit(t - 1), now = this.unit(t), floor = this.floors(t);
      if (floor === null) return before === 0 ? lr + this.base * (now - before) : lr * (now / before);
      if (before === 0) return lr + (this.base - floor) * (now - before);
      return floor + (lr - floor) * (now / before);
    }
    closedForm() { return this.at(this.last_epoch, this.base); }
    unit(t) { return this.at(t, 1.0); }
  }
  C.WarmupCosineLR = class extends Unit {
    floor() {
      const k = this.kw;
      return k.min_lr_rate != null ? k.min_lr_rate * this.base : k.eta_min || 0.0;
    }
    floors(t) { return t <= this.kw.num_warmup_steps ? null : this.floor(); }
    unit(t) { return this.cosine(t, 1.0, 0.0); }
    closedForm() { return this.cosine(this.last_epoch, this.base, this.floor()); }
    cosine(t, base, floor) {
      const k = this.kw;
      return S.warmup_cosine(t, base, k.num_warmup_steps, k.num_training_steps, k.num_cycles ?? 0.5, floor);
    }
  };
  C.WarmupStableDecayLR = class extends Unit {
    at(t, base) {
      const k = this.kw, stable = k.num_stable_steps
        ?? k.num_training_steps - k.num_warmup_steps - k.num_decay_steps;
      return S.warmup_stable_decay(t, base, k.num_warmup_steps, stable, k.num_decay_steps,
        k.warmup_type ?? "linear", k.decay_type ?? "cosine", k.min_lr_ratio ?? 0.0, k.num_cycles ?? 0.5);
    }
  };
  C.InverseSqrtLR = class extends Unit {
    at(t, base) { return S.inverse_sqrt(t, base, this.kw.num_warmup_steps, this.kw.timescale ?? null); }
  };
  C.ReduceLROnPlateau = class {
    constructor(opt, kw) {
      this.opt = opt;
      this.kw = Object.assign({ mode: "min", factor: 0.1, patience: 10, threshold: 1e-4,
        threshold_mode: "rel", cooldown: 0, min_lr: 0, eps: 1e-8 }, kw);
      this.best = this.kw.mode === "min" ? Infinity : -Infinity;
      this.bad = 0;
      this.cooldown = 0;
    }
    start() { return this; }
    step(metric) {
      const k = this.kw;
      if (S.plateau_improved(metric, this.best, k.mode, k.threshold, k.threshold_mode)) {
        this.best = metric; this.bad = 0;
      } else {
        this.bad += 1;
      }
      if (this.cooldown > 0) { this.cooldown -= 1; this.bad = 0; }
      if (this.bad > k.patience) {
        this.opt.lr = S.plateau_reduced(this.opt.lr, k.factor, k.min_lr, k.eps);
        this.cooldown = k.cooldown; this.bad = 0;
      }
    }
  };
  C.SequentialLR = class {
    constructor(opt, kw) {
      this.opt = opt;
      this.parts = kw.schedulers.map(([name, k]) => build(name, opt, k));
      this.milestones = kw.milestones;
      this.t = 0;
    }
    start() {
      this.opt.lr = this.opt.initial_lr;  // torch resets the lr, then undoes the parts' first steps
      this.parts.forEach((p) => { p.last_epoch -= 1; });
      const first = this.parts[bisectRight(this.milestones, 0)];
      first.initial = true; first.step(); first.initial = false;
      return this;
    }
    step() {
      this.t += 1;
      const i = bisectRight(this.milestones, this.t);
      if (i > 0 && this.milestones[i - 1] === this.t) this.parts[i].jumpToZero();
      else this.parts[i].step();
    }
  };
  C.ChainedScheduler = class {
    constructor(opt, kw) { this.parts = kw.schedulers.map(([name, k]) => build(name, opt, k)); }
    start() { return this; }
    step() { this.parts.forEach((p) => p.step()); }
  };

  function build(name, opt, kw) {
    const cls = C[name];
    if (!cls) throw new Error(`${name} has no JavaScript port`);
    return new cls(opt, kw).start();
  }

  /** The lr (and momentum or beta1) at each step, as lrlib.preview(name, steps, lr, ...). */
  function preview(name, kwargs, opts) {
    const steps = opts.steps, metrics = opts.metrics;
    const opt = { lr: opts.lr ?? 0.1, momentum: 0.9 };  // SGD's momentum 0.9 or Adam's beta1 0.9
    const sched = build(name, opt, kwargs);
    const lr = [opt.lr], momentum = [opt.momentum];
    for (let i = 0; i < steps - 1; i += 1) {
      if (metrics) sched.step(metrics[i]); else sched.step();
      lr.push(opt.lr);
      momentum.push(opt.momentum);
    }
    return { lr, momentum };
  }

  window.lrlibPort = { preview, schedules: S, names: Object.keys(C), factorFunctions: Object.keys(FACTOR_ARGS) };
}());
