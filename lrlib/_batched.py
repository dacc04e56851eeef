"""Several models trained as one (internal: the machinery of fit_seeds and sweep).

The members' weights are stacked into one tensor per parameter (dim 0 is the
member) and run as one batched model: ``baddbmm`` for an MLP's layers,
``torch.func.vmap`` with ``functional_call`` for any other model. One
forward, backward and optimizer step then serve every member; the members
never mix, because each member's loss depends on its own slice of the weights.

Three ways to update the stacked weights:

- :class:`SharedUpdate`: one torch optimizer over the stacked weights, for
  optimizers that act element by element (every member has the same lr).
- :class:`PerMemberUpdate`: one torch optimizer per member over views of the
  stacked weights (any optimizer; ``ReduceLROnPlateau``).
- :class:`BatchedUpdate`: SGD, Adam or AdamW written here over the stacked
  weights, with each member's hyperparameters (lr, momentum, betas, weight
  decay) read from its own torch optimizer, which never steps itself; its
  scheduler sets them. This is what lets a sweep give each member its own lr.
"""

import copy

import torch
import torch.nn.functional as F
from torch import nn

EVAL_CHUNK = 2048
# Optimizers whose update of an element depends on that element's own gradient
# and state only: one instance over the stacked weights equals one per member.
ELEMENTWISE_OPTIMIZERS = tuple(
    getattr(torch.optim, name) for name in
    ("SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta", "RMSprop",
     "Rprop", "ASGD") if hasattr(torch.optim, name))
# Parameter-free modules that act element by element, whatever the shape.
_ELEMENTWISE_MODULES = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Tanh, nn.Sigmoid,
                        nn.Softplus, nn.Mish, nn.Hardtanh, nn.Identity)


def _set_param(module, name, value, requires_grad):
    owner, _, attr = name.rpartition(".")
    setattr(module.get_submodule(owner), attr, nn.Parameter(value, requires_grad))


def _layer_program(stacked):
    """Batched forward of an ``nn.Sequential`` of ``Linear`` and elementwise layers (an MLP).

    Returns ``forward(xT)`` for per-member inputs laid out ``(members,
    features, batch)``, giving logits ``(members, classes, batch)``; None when
    the model holds another kind of layer. With the batch last, autograd
    computes each weight's gradient as ``grad @ x`` straight into the
    weight's own layout; with the batch first (what vmap does) it computes
    the transpose and copies it, which at the lessons' sizes costs more than
    the product itself.
    """
    if not isinstance(stacked, nn.Sequential):
        return None
    steps = []
    for layer in stacked:
        if type(layer) is nn.Linear:
            if layer.bias is None:
                steps.append(lambda xT, w=layer.weight: torch.bmm(w, xT))
            else:
                steps.append(lambda xT, w=layer.weight, b=layer.bias:
                             torch.baddbmm(b.unsqueeze(2), w, xT))
        elif isinstance(layer, _ELEMENTWISE_MODULES):
            steps.append(layer)
        else:
            return None

    def forward(xT):
        for step in steps:
            xT = step(xT)
        return xT
    return forward


class Stacked:
    """The members' models as one batched model; logits come out ``(members, classes, batch)``.

    ``models``: one model per member, all of the same architecture (checked
    by the caller). The models themselves are left as they are until
    :meth:`hand_back`, which gives each member its trained weights.
    """

    def __init__(self, models, device):
        self.models = models
        self.n = len(models)
        self.module = copy.deepcopy(models[0])
        for name, param in models[0].named_parameters():
            value = torch.stack([m.get_parameter(name).detach() for m in models]).to(device)
            _set_param(self.module, name, value, param.requires_grad)
        self.params = dict(self.module.named_parameters())
        self._frozen = {}
        program = _layer_program(self.module)
        if program is not None:
            self._train_forward = lambda x: program(x.transpose(1, 2))
            self._eval_forward = lambda x: program(x.t().expand(self.n, -1, -1))
        else:
            self._vmap_forwards()

    def _vmap_forwards(self):
        from torch.func import functional_call, vmap

        def one(p, x):
            return functional_call(self.module, p, (x,))
        per_member, shared = vmap(one, in_dims=(0, 0)), vmap(one, in_dims=(0, None))
        self._train_forward = lambda x: per_member(self.params, x).transpose(1, 2)
        self._eval_forward = lambda x: shared(self.params, x).transpose(1, 2)

    def train(self, mode=True):
        self.module.train(mode)

    def losses(self, X, y, idx):
        """Each member's mean cross-entropy on its batch: ``idx`` is ``(members, batch)``."""
        flat = idx.reshape(-1)
        out = self._train_forward(X.index_select(0, flat).view(self.n, -1, *X.shape[1:]))
        return F.cross_entropy(out, y.index_select(0, flat).view(self.n, -1),
                               reduction="none").mean(1)

    def evaluate(self, X, y):
        """Per-member mean cross-entropy and accuracy, tensors of shape ``(members,)``."""
        loss_sum = correct = 0
        with torch.no_grad():
            for i in range(0, len(X), EVAL_CHUNK):
                out = self._eval_forward(X[i:i + EVAL_CHUNK])  # (members, classes, rows)
                target = y[i:i + EVAL_CHUNK].expand(out.shape[0], -1)
                loss_sum = loss_sum + F.cross_entropy(out, target, reduction="none").sum(1)
                correct = correct + (out.argmax(1) == target).sum(1)
        return loss_sum / len(X), correct.double() / len(X)

    def stop(self, member):
        """Keep ``member``'s weights as they are now: they are the ones :meth:`hand_back` gives."""
        self._frozen[member] = {k: p.detach()[member].clone() for k, p in self.params.items()}

    def hand_back(self):
        """Give each member's model its trained weights, as plain parameters of its own."""
        with torch.no_grad():
            for i, model in enumerate(self.models):
                for name, p in self.params.items():
                    value = self._frozen[i][name] if i in self._frozen else p[i].clone()
                    _set_param(model, name, value, p.requires_grad)


class SharedUpdate:
    """One torch optimizer (elementwise) over the stacked weights; one scheduler stepper."""

    def __init__(self, optimizer, stepper, n):
        self.optimizer, self.stepper, self.n = optimizer, stepper, n

    def lrs(self):
        return [float(self.optimizer.param_groups[0]["lr"])] * self.n

    def apply(self, losses, alive):
        self.optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        self.optimizer.step()
        self.stepper.after_batch()

    def end_epoch(self, val_losses, alive):
        self.stepper.after_epoch(None)


class PerMemberUpdate:
    """One torch optimizer per member over views of the stacked weights."""

    def __init__(self, stacked, make_optimizer, make_stepper, check):
        self.params = stacked.params
        self.optimizers, self.steppers, self.views = [], [], []
        for i, model in enumerate(stacked.models):
            for name, p in self.params.items():
                _set_param(model, name, p.detach()[i], p.requires_grad)
            optimizer = check(make_optimizer(model), model)
            self.optimizers.append(optimizer)
            self.steppers.append(make_stepper(optimizer))
            self.views.append(dict(model.named_parameters()))

    def lrs(self):
        return [float(o.param_groups[0]["lr"]) for o in self.optimizers]

    def apply(self, losses, alive):
        for p in self.params.values():
            p.grad = None
        losses.sum().backward()
        for i, optimizer in enumerate(self.optimizers):
            if not alive[i]:
                continue
            for name, view in self.views[i].items():
                grad = self.params[name].grad
                view.grad = None if grad is None else grad[i]
            optimizer.step()
            self.steppers[i].after_batch()

    def end_epoch(self, val_losses, alive):
        for i, stepper in enumerate(self.steppers):
            if alive[i]:
                stepper.after_epoch(None if val_losses is None else val_losses[i])


# --------------------------------------------------------------------------- batched optimizers

_HYPER = {torch.optim.SGD: ("lr", "momentum", "weight_decay"),
          torch.optim.Adam: ("lr", "beta1", "beta2", "eps", "weight_decay"),
          torch.optim.AdamW: ("lr", "beta1", "beta2", "eps", "weight_decay")}
# Options that must be the same for every member (they pick a formula, not a number).
_FIXED = {torch.optim.SGD: ("nesterov", "dampening", "maximize"),
          torch.optim.Adam: ("amsgrad", "maximize"), torch.optim.AdamW: ("amsgrad", "maximize")}
SUPPORTED = tuple(_HYPER)


def _group_value(group, key):
    if key in ("beta1", "beta2"):
        return float(group["betas"][key == "beta2"])
    return float(group[key])


def _group_index(optimizer, model):
    """For each parameter name of ``model``, the index of its group in ``optimizer``."""
    names = {id(p): name for name, p in model.named_parameters()}
    return {names[id(p)]: g for g, group in enumerate(optimizer.param_groups)
            for p in group["params"]}


class BatchedUpdate:
    """SGD (momentum, Nesterov), Adam or AdamW over the stacked weights, per-member numbers.

    ``optimizers``: one torch optimizer per member, built on the member's own
    model (``stacked.models[i]``); it is never stepped: each step reads every
    member's lr, momentum or betas and weight decay from it (its scheduler
    moves them), and applies torch's formula for that optimizer with them,
    member by member in one tensor operation. The formulas are the ones of
    ``torch.optim.SGD`` / ``Adam`` / ``AdamW`` (Adam's bias corrections per
    member; AdamW's decay ``1 - lr * weight_decay`` with each member's lr).
    """

    def __init__(self, stacked, optimizers, steppers):
        kind = type(optimizers[0])
        first = optimizers[0].param_groups
        for i, opt in enumerate(optimizers):
            if type(opt) is not kind:
                raise TypeError(f"make_optimizer built a {type(opt).__name__} for member {i} and "
                                f"a {kind.__name__} for member 0; a sweep needs one kind")
            if _group_index(opt, stacked.models[i]) != _group_index(optimizers[0],
                                                                     stacked.models[0]):
                raise ValueError("make_optimizer must put the same parameters in the same groups "
                                 "for every member")
            for key in _FIXED[kind]:
                if [g[key] for g in opt.param_groups] != [g[key] for g in first]:
                    raise ValueError(f"{key} must be the same for every member of a sweep")
        if any(g["maximize"] for g in first):
            raise ValueError("a sweep cannot batch an optimizer with maximize=True")
        self.kind, self.optimizers, self.steppers = kind, optimizers, steppers
        self.params = stacked.params
        self.group = _group_index(optimizers[0], stacked.models[0])
        self.state = {name: {} for name in self.params}
        self.t = 0
        self._keys = _HYPER[kind]

    def numbers(self):
        """Tensor ``(groups, members, keys)`` of each member's hyperparameters now (float64)."""
        rows = [[[_group_value(g, k) for k in self._keys] for g in opt.param_groups]
                for opt in self.optimizers]
        return torch.tensor(rows, dtype=torch.float64).transpose(0, 1)

    def lrs(self):
        return [float(o.param_groups[0]["lr"]) for o in self.optimizers]

    def apply(self, losses, alive):
        for p in self.params.values():
            p.grad = None
        losses.sum().backward()
        self.t += 1
        numbers = self.numbers().to(next(iter(self.params.values())).device)
        fixed = self.optimizers[0].param_groups
        with torch.no_grad():
            for name, p in self.params.items():
                if p.grad is None:
                    continue
                g = self.group[name]
                shape = (-1,) + (1,) * (p.ndim - 1)
                h = {k: numbers[g, :, j].reshape(shape) for j, k in enumerate(self._keys)}
                step = _sgd if self.kind is torch.optim.SGD else _adam
                step(p, p.grad, self.state[name], h, fixed[g], self.t,
                     decoupled=self.kind is torch.optim.AdamW)
        for i, stepper in enumerate(self.steppers):
            if alive[i]:
                stepper.after_batch()

    def end_epoch(self, val_losses, alive):
        for i, stepper in enumerate(self.steppers):
            if alive[i]:
                stepper.after_epoch(None if val_losses is None else val_losses[i])


def _sgd(p, grad, state, h, group, t, decoupled=False):
    """torch.optim.SGD's update with per-member ``h`` (tensors broadcast over dim 0)."""
    dtype = p.dtype
    if group["weight_decay"] != 0 or bool((h["weight_decay"] != 0).any()):
        grad = grad + h["weight_decay"].to(dtype) * p
    momentum = h["momentum"].to(dtype)
    if group["momentum"] != 0 or bool((h["momentum"] != 0).any()):
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = grad.clone()
        else:
            dampening = group["dampening"]
            buf.mul_(momentum).add_(grad, alpha=1 - dampening)
        grad = grad + momentum * buf if group["nesterov"] else buf
    p.sub_(h["lr"].to(dtype) * grad)


def _adam(p, grad, state, h, group, t, decoupled=False):
    """torch.optim.Adam's (or AdamW's, ``decoupled``) update with per-member ``h``."""
    dtype = p.dtype
    lr, beta1, beta2 = h["lr"], h["beta1"], h["beta2"]
    if decoupled:
        p.mul_((1 - lr * h["weight_decay"]).to(dtype))
    elif bool((h["weight_decay"] != 0).any()):
        grad = grad + h["weight_decay"].to(dtype) * p
    if not state:
        state["exp_avg"] = torch.zeros_like(p)
        state["exp_avg_sq"] = torch.zeros_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = torch.zeros_like(p)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    exp_avg.lerp_(grad, (1 - beta1).to(dtype))
    exp_avg_sq.mul_(beta2.to(dtype)).addcmul_(grad, grad * (1 - beta2).to(dtype))
    if group["amsgrad"]:
        torch.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        exp_avg_sq = state["max_exp_avg_sq"]
    step_size = lr / (1 - beta1 ** t)
    root = (1 - beta2 ** t).sqrt()
    denom = (exp_avg_sq.sqrt() / root.to(dtype)).add_(h["eps"].to(dtype))
    p.sub_(step_size.to(dtype) * exp_avg / denom)
