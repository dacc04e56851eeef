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
- :class:`BatchedUpdate`: SGD, Adam or AdamW over slices of the stacked
  weights, with each member's numbers (lr, momentum, betas, weight decay)
  read from its own torch optimizer, which never steps itself; its
  scheduler sets them. This is what lets a sweep give each member its own lr.
"""

import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.adam import adam as _adam
from torch.optim.sgd import sgd as _sgd

EVAL_CHUNK = 2048
# Optimizers whose update of an element depends on that element's own gradient
# and state only: one instance over the stacked weights equals one per member.
ELEMENTWISE_OPTIMIZERS = tuple(
    getattr(torch.optim, name)
    for name in (
        "SGD",
        "Adam",
        "AdamW",
        "Adamax",
        "NAdam",
        "RAdam",
        "Adagrad",
        "Adadelta",
        "RMSprop",
        "Rprop",
        "ASGD",
    )
    if hasattr(torch.optim, name)
)
# Parameter-free modules that act element by element, whatever the shape.
_ELEMENTWISE_MODULES = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Tanh,
    nn.Sigmoid,
    nn.Softplus,
    nn.Mish,
    nn.Hardtanh,
    nn.Identity,
)


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
                steps.append(
                    lambda xT, w=layer.weight, b=layer.bias: torch.baddbmm(b.unsqueeze(2), w, xT)
                )
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
        return F.cross_entropy(
            out, y.index_select(0, flat).view(self.n, -1), reduction="none"
        ).mean(1)

    def evaluate(self, X, y):
        """Per-member mean cross-entropy and accuracy, tensors of shape ``(members,)``."""
        loss_sum = correct = 0
        with torch.no_grad():
            for i in range(0, len(X), EVAL_CHUNK):
                out = self._eval_forward(X[i : i + EVAL_CHUNK])  # (members, classes, rows)
                target = y[i : i + EVAL_CHUNK].expand(out.shape[0], -1)
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


class _MemberOptimizers:
    """What the updates with an optimizer and a scheduler stepper per member share.

    A subclass sets ``params`` (the stacked weights), ``optimizers`` and ``steppers``.
    """

    def lrs(self):
        return [float(o.param_groups[0]["lr"]) for o in self.optimizers]

    def _backward(self, losses):
        """The stacked weights' gradients of every member's loss, from none."""
        for p in self.params.values():
            p.grad = None
        losses.sum().backward()

    def end_epoch(self, val_losses, alive):
        for i, stepper in enumerate(self.steppers):
            if alive[i]:
                stepper.after_epoch(None if val_losses is None else val_losses[i])


class PerMemberUpdate(_MemberOptimizers):
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

    def apply(self, losses, alive):
        self._backward(losses)
        for i, optimizer in enumerate(self.optimizers):
            if not alive[i]:
                continue
            for name, view in self.views[i].items():
                grad = self.params[name].grad
                view.grad = None if grad is None else grad[i]
            optimizer.step()
            self.steppers[i].after_batch()


# --------------------------------------------------------------------------- batched optimizers

# The numbers a member's optimizer may set per step (its scheduler moves lr, and momentum or betas).
_NUMBERS = {
    torch.optim.SGD: ("lr", "momentum", "dampening", "weight_decay"),
    torch.optim.Adam: ("lr", "betas", "eps", "weight_decay"),
    torch.optim.AdamW: ("lr", "betas", "eps", "weight_decay"),
}
# Options that must be the same for every member (they pick a formula, not a number).
_FIXED = {
    torch.optim.SGD: ("nesterov", "maximize", "foreach", "fused"),
    torch.optim.Adam: ("amsgrad", "maximize", "foreach", "fused", "capturable"),
    torch.optim.AdamW: ("amsgrad", "maximize", "foreach", "fused", "capturable"),
}
SUPPORTED = tuple(_NUMBERS)


def _group_index(optimizer, model):
    """For each parameter name of ``model``, the index of its group in ``optimizer``."""
    names = {id(p): name for name, p in model.named_parameters()}
    return {
        names[id(p)]: g for g, group in enumerate(optimizer.param_groups) for p in group["params"]
    }


def _runs(rows):
    """``(start, stop, row)`` for each stretch of consecutive equal rows."""
    out, start = [], 0
    for k in range(1, len(rows) + 1):
        if k == len(rows) or rows[k] != rows[start]:
            out.append((start, k, rows[start]))
            start = k
    return out


class BatchedUpdate(_MemberOptimizers):
    """SGD, Adam or AdamW over the stacked weights, with each member's own numbers.

    ``optimizers``: one torch optimizer per member, built on the member's own
    model (``stacked.models[i]``) and never stepped: at each step every
    member's lr, momentum or betas, eps and weight decay are read from it
    (its scheduler moves them). Members whose numbers are equal at this step
    and that sit next to each other in the stack (the seeds of one lr) are
    updated together by torch's own functional optimizer
    (``torch.optim.sgd.sgd``, ``torch.optim.adam.adam``) on their slice of the
    stacked weights, gradients and state. So each member gets exactly the
    arithmetic of ``optimizer.step()``, AdamW's ``1 - lr * weight_decay``
    with its own lr included, bit for bit.
    """

    def __init__(self, stacked, optimizers, steppers):
        kind = type(optimizers[0])
        groups = _group_index(optimizers[0], stacked.models[0])
        for i, opt in enumerate(optimizers):
            if type(opt) is not kind:
                raise TypeError(
                    f"make_optimizer built a {type(opt).__name__} for member {i} and "
                    f"a {kind.__name__} for member 0; a sweep needs one kind"
                )
            if _group_index(opt, stacked.models[i]) != groups:
                raise ValueError(
                    "make_optimizer must put the same parameters in the same groups "
                    "for every member"
                )
            for key in _FIXED[kind]:
                if [g[key] for g in opt.param_groups] != [
                    g[key] for g in optimizers[0].param_groups
                ]:
                    raise ValueError(f"{key} must be the same for every member of a sweep")
        if any(g["maximize"] for g in optimizers[0].param_groups):
            raise ValueError("a sweep cannot batch an optimizer with maximize=True")
        self.kind, self.optimizers, self.steppers = kind, optimizers, steppers
        self.params = stacked.params
        self.names = [
            [k for k in self.params if groups[k] == g]
            for g in range(len(optimizers[0].param_groups))
        ]
        self.state = {}
        self.t = 0

    def apply(self, losses, alive):
        self._backward(losses)
        self.t += 1
        with torch.no_grad():
            for g, names in enumerate(self.names):
                names = [k for k in names if self.params[k].grad is not None]
                rows = [
                    tuple(o.param_groups[g][k] for k in _NUMBERS[self.kind])
                    for o in self.optimizers
                ]
                for start, stop, _ in _runs(rows):
                    group = self.optimizers[start].param_groups[g]
                    if self.kind is torch.optim.SGD:
                        self._sgd(names, start, stop, group)
                    else:
                        self._adam(names, start, stop, group)
        for i, stepper in enumerate(self.steppers):
            if alive[i]:
                stepper.after_batch()

    def _sgd(self, names, a, b, group):
        # At the first step torch makes each momentum buffer (a copy of the gradient); they
        # are then kept in one stacked buffer per parameter, and later steps update slices.
        first = self.t == 1
        buffers = [self.state[k][a:b] if k in self.state and not first else None for k in names]
        _sgd(
            [self.params[k][a:b] for k in names],
            [self.params[k].grad[a:b] for k in names],
            buffers,
            foreach=group["foreach"],
            fused=group["fused"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            lr=group["lr"],
            dampening=group["dampening"],
            nesterov=group["nesterov"],
            maximize=False,
        )
        for k, buf in zip(names, buffers):
            if first and buf is not None:
                self.state.setdefault(k, torch.zeros_like(self.params[k]))[a:b] = buf

    def _adam(self, names, a, b, group):
        for k in names:
            if k not in self.state:
                p = self.params[k]
                self.state[k] = [torch.zeros_like(p), torch.zeros_like(p), torch.zeros_like(p)]
        beta1, beta2 = group["betas"]
        _adam(
            [self.params[k][a:b] for k in names],
            [self.params[k].grad[a:b] for k in names],
            [self.state[k][0][a:b] for k in names],
            [self.state[k][1][a:b] for k in names],
            [self.state[k][2][a:b] for k in names],
            [torch.tensor(float(self.t - 1)) for _ in names],
            foreach=group["foreach"],
            fused=group["fused"],
            capturable=False,
            decoupled_weight_decay=group.get(
                "decoupled_weight_decay", self.kind is torch.optim.AdamW
            ),
            amsgrad=group["amsgrad"],
            beta1=beta1,
            beta2=beta2,
            lr=group["lr"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=False,
        )
