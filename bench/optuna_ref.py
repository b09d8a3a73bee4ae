#!/usr/bin/python3
"""Optuna reference for `npm run bench:search -- --optuna` (skewer's own script, not Optuna's code).

Speaks JSON lines on stdin/stdout. It only proposes: bench/search.ts evaluates the very same
TypeScript objectives and tells the values back, so both sides of a comparison see identical
functions, budgets and ask/tell orders. One process serves many studies, one per (objective,
seed, trials in flight).

Requests (one JSON object per line), each answered by one line:
  {"op": "create", "study": "k", "seed": 0, "direction": "minimize",
   "params": [{"name": "x", "def": {...skewer ParamDef...}}, ...]}   -> {"ok": true}
     params come parent-first (skewer's orderedParams), so a condition's parents are set before it.
  {"op": "ask", "study": "k"}                      -> {"trial": 3, "params": {...}}
  {"op": "tell", "study": "k", "trial": 3, "value": 1.5}  -> {"ok": true}
  {"op": "drop", "study": "k"}                     -> {"ok": true}
  {"op": "version"}                                -> {"optuna": "3.1.0"}
Errors are answered as {"error": "..."} and the bench stops with that message.

The sampler is TPESampler(multivariate=True, group=True, constant_liar=True, seed=seed), every
other option at Optuna's default (10 startup trials, 24 candidates). The issue's reference is
Optuna 5.0's multivariate TPE; Debian ships Optuna 3.1, the closest release that can run here.

Space mapping (skewer -> Optuna, define-by-run through the ask interface):
  float {low, high, log?, step?} -> suggest_float(name, low, high, log=log, step=step)
  int   {low, high, log?, step?} -> suggest_int(name, low, high, step=step or 1, log=log)
  categorical {values}           -> suggest_categorical(name, values)
  fixed {value}                  -> the value itself (nothing to search; skewer fills it the same way)
  when {parent: [values]}        -> suggested only while every parent is set to one of its values,
                                    as skewer's isActive decides; inactive parameters are absent.
A grid's `values` list on a range is ignored, as skewer's random/tpe/gp ignore it.
"""
import json
import sys
import warnings

try:
    import optuna
except ImportError:
    sys.stderr.write("Optuna is not installed for /usr/bin/python3: apt-get install python3-optuna\n")
    sys.exit(3)

warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
optuna.logging.set_verbosity(optuna.logging.WARNING)


def same_value(a, b):
    """skewer's `===` on JSON values: booleans never equal numbers (Python's True == 1 would)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def is_active(definition, chosen):
    for parent, values in (definition.get("when") or {}).items():
        if parent not in chosen or not any(same_value(chosen[parent], v) for v in values):
            return False
    return True


def suggest(trial, name, d):
    kind = d["type"]
    log = bool(d.get("log", False))
    if kind == "float":
        return trial.suggest_float(name, d["low"], d["high"], log=log, step=d.get("step"))
    if kind == "int":
        return trial.suggest_int(name, d["low"], d["high"], step=d.get("step", 1), log=log)
    if kind == "categorical":
        return trial.suggest_categorical(name, d["values"])
    raise ValueError(f"parameter '{name}': unknown type '{kind}' (expected float, int, categorical or fixed)")


class Reference:
    def __init__(self):
        self.studies = {}

    def create(self, req):
        sampler = optuna.samplers.TPESampler(multivariate=True, group=True, constant_liar=True, seed=int(req["seed"]))
        study = optuna.create_study(direction=req["direction"], sampler=sampler)
        self.studies[req["study"]] = {"study": study, "params": req["params"], "running": {}}
        return {"ok": True}

    def ask(self, req):
        entry = self.studies[req["study"]]
        trial = entry["study"].ask()
        chosen = {}
        for p in entry["params"]:
            name, d = p["name"], p["def"]
            if not is_active(d, chosen):
                continue
            chosen[name] = d["value"] if d["type"] == "fixed" else suggest(trial, name, d)
        entry["running"][trial.number] = trial
        return {"trial": trial.number, "params": chosen}

    def tell(self, req):
        entry = self.studies[req["study"]]
        trial = entry["running"].pop(req["trial"])
        entry["study"].tell(trial, float(req["value"]))
        return {"ok": True}

    def drop(self, req):
        self.studies.pop(req["study"], None)
        return {"ok": True}

    def handle(self, req):
        op = req.get("op")
        if op == "version":
            return {"optuna": optuna.__version__}
        if op in ("create", "ask", "tell", "drop"):
            return getattr(self, op)(req)
        raise ValueError(f"unknown op {op!r} (expected create, ask, tell, drop or version)")


def main():
    ref = Reference()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = ref.handle(json.loads(line))
        except Exception as e:  # answered to the bench, which stops with it
            answer = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
