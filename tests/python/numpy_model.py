#!/usr/bin/env python3
"""Cross-checks of rbmdyn's NPY/NPZ and model files against NumPy (used by tests/model_files.rs).

Modes (each prints one JSON object on stdout; a failed check exits with status 1):

  numpy_model.py OUTDIR
      Writes small seeded RBM model files with numpy.savez / numpy.savez_compressed and prints
      {"models": [{"file", "visible_type", "hidden_type", "dtype", "log_z", "arrays"}]} where
      log_z is a brute-force ln Z over all (v, h) (Gaussian layers integrated in closed form).

  numpy_model.py --arrays OUTDIR
      Writes .npy files (every supported dtype, ranks 0-3, C and Fortran order) and .npz files
      (stored and deflated); prints {"files": [{"file", "kind", "arrays": {key: description}}]}.

  numpy_model.py --check SPEC.json
      Loads each file listed in SPEC (same layout as the --arrays output, written by rbmdyn)
      with numpy.load and checks keys, dtypes, shapes, memory order and values exactly; prints
      {"log_z": {file: ln Z}} for the files marked "model": true.

Array description: {"dtype": numpy dtype.str, "shape": [...], "fortran": bool,
"values": C-order list} or, for floats, "bits": C-order list of the IEEE bit patterns as
unsigned integers (exact, free of decimal round-off).

Energy convention: E(v, h) = -v'Wh - a'v - b'h + sum_i U(v_i), with U(s) = c s^2 / 2 for
Gaussian units of precision c and 0 for binary {0,1} / ising {-1,+1} units.
"""

import itertools
import json
import os
import sys

import numpy as np

STATES = {"binary": (0.0, 1.0), "ising": (-1.0, 1.0)}


def describe(array):
    a = np.asarray(array)
    flat = np.ascontiguousarray(a).reshape(-1)
    d = {"dtype": a.dtype.str, "shape": list(a.shape), "fortran": bool(a.ndim > 1 and np.isfortran(a))}
    if a.dtype.kind == "f":
        d["bits"] = flat.view(np.uint64 if a.dtype.itemsize == 8 else np.uint32).tolist()
    else:
        d["values"] = flat.tolist()
    return d


def all_states(n, unit):
    lo, hi = STATES[unit]
    # Unit k high iff bit k of the index is set (order is irrelevant for Z).
    return np.array(list(itertools.product([lo, hi], repeat=n)), dtype=np.float64)


def logsumexp(x):
    m = np.max(x)
    return float(m + np.log(np.sum(np.exp(x - m))))


def log_z(w, a, b, vtype, htype, vprec=1.0, hprec=1.0):
    """Brute-force ln Z in float64: a double sum over all (v, h) for discrete layers; a
    Gaussian layer is integrated exactly, int ds e^{x s - c s^2/2} = sqrt(2 pi / c) e^{x^2/(2c)}."""
    w, a, b = (np.asarray(x, dtype=np.float64) for x in (w, a, b))
    if vtype == "gaussian":
        h = all_states(w.shape[1], htype)
        x = a[None, :] + h @ w.T  # visible fields, one row per h
        terms = h @ b + np.sum(x * x / (2 * vprec) + 0.5 * np.log(2 * np.pi / vprec), axis=1)
        return logsumexp(terms)
    if htype == "gaussian":
        return log_z(w.T, b, a, htype, vtype, hprec, vprec)
    v = all_states(w.shape[0], vtype)
    h = all_states(w.shape[1], htype)
    neg_energy = v @ w @ h.T + (v @ a)[:, None] + (h @ b)[None, :]
    return logsumexp(neg_energy.ravel())


def write_models(outdir):
    rng = np.random.default_rng(20240611)
    specs = [
        # name, Nv, Nh, visible type, hidden type, weight std, savez_compressed (+ an extra key)
        ("binary_6x4", 6, 4, "binary", "binary", 0.8, False),
        ("ising_5x3", 5, 3, "ising", "ising", 0.5, False),
        ("mixed_4x5", 4, 5, "binary", "ising", 0.6, True),
        ("gaussian_3x4", 3, 4, "gaussian", "binary", 0.4, False),
    ]
    models = []
    for name, nv, nh, vt, ht, std, compressed in specs:
        w = std * rng.standard_normal((nv, nh))
        a = 0.3 * rng.standard_normal(nv)
        b = 0.3 * rng.standard_normal(nh)
        for dtype in (np.float64, np.float32):
            arrays = {
                "weight_matrix": w.astype(dtype),
                "vbias": a.astype(dtype),
                "hbias": b.astype(dtype),
                "visible_type": np.array(vt),
                "hidden_type": np.array(ht),
            }
            vprec = 1.0
            if vt == "gaussian":
                vprec = 2.0
                arrays["visible_precision"] = np.array(vprec)
            if compressed:
                arrays["training_note"] = np.array("extra keys are ignored")
            fname = f"{name}_{np.dtype(dtype).name}.npz"
            save = np.savez_compressed if compressed else np.savez
            save(os.path.join(outdir, fname), **arrays)
            # ln Z of exactly the stored values (float32 upcast to float64).
            lz = log_z(arrays["weight_matrix"], arrays["vbias"], arrays["hbias"], vt, ht, vprec)
            models.append({
                "file": fname, "visible_type": vt, "hidden_type": ht,
                "dtype": np.dtype(dtype).str, "log_z": lz,
                "arrays": {k: describe(v) for k, v in arrays.items()},
            })
    return {"models": models}


def write_arrays(outdir):
    rng = np.random.default_rng(7)
    files = []
    npz = {}
    shapes = [(), (5,), (2, 3), (2, 3, 4)]
    makers = {
        "f8": lambda s: rng.standard_normal(s),
        "f4": lambda s: rng.standard_normal(s).astype(np.float32),
        "i8": lambda s: rng.integers(-2**62, 2**62, size=s, dtype=np.int64),
        "u8": lambda s: rng.integers(0, 2**64 - 1, size=s, dtype=np.uint64, endpoint=True),
        "u1": lambda s: rng.integers(0, 255, size=s, dtype=np.uint8, endpoint=True),
        "b1": lambda s: rng.random(s) < 0.5,
        "U": lambda s: np.array(["", "binary", "ising", "αβγ", "gaussian"])[rng.integers(0, 5, size=s)],
    }
    for code, make in makers.items():
        for shape in shapes:
            for fortran in (False, True):
                if fortran and len(shape) < 2:
                    continue
                a = np.asarray(make(shape))
                if fortran:
                    a = np.asfortranarray(a)
                key = f"{code}_rank{len(shape)}_{'F' if fortran else 'C'}"
                fname = key + ".npy"
                np.save(os.path.join(outdir, fname), a)
                files.append({"file": fname, "kind": "npy", "arrays": {"": describe(a)}})
                npz[key] = a
    np.savez(os.path.join(outdir, "stored.npz"), **npz)
    np.savez_compressed(os.path.join(outdir, "deflated.npz"), **npz)
    desc = {k: describe(v) for k, v in npz.items()}
    files.append({"file": "stored.npz", "kind": "npz", "arrays": desc})
    files.append({"file": "deflated.npz", "kind": "npz", "arrays": desc})
    return {"files": files}


def check_array(where, a, spec):
    if a.dtype.str != spec["dtype"]:
        raise AssertionError(f"{where}: dtype {a.dtype.str}, expected {spec['dtype']}")
    if list(a.shape) != spec["shape"]:
        raise AssertionError(f"{where}: shape {a.shape}, expected {spec['shape']}")
    if spec.get("fortran") and not np.isfortran(a):
        raise AssertionError(f"{where}: expected Fortran order")
    got = describe(a)
    for field in ("bits", "values"):
        if field in spec and got.get(field) != spec[field]:
            raise AssertionError(f"{where}: {field} differ: {got.get(field)} vs {spec[field]}")


def check(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    base = os.path.dirname(os.path.abspath(spec_path))
    out = {}
    for entry in spec["files"]:
        path = os.path.join(base, entry["file"])
        if entry["kind"] == "npy":
            check_array(entry["file"], np.load(path, allow_pickle=False), entry["arrays"][""])
            continue
        with np.load(path, allow_pickle=False) as z:
            if sorted(z.files) != sorted(entry["arrays"]):
                raise AssertionError(f"{entry['file']}: keys {sorted(z.files)}, expected {sorted(entry['arrays'])}")
            arrays = {k: z[k] for k in z.files}
        for key, s in entry["arrays"].items():
            check_array(f"{entry['file']}:{key}", arrays[key], s)
        if entry.get("model"):
            vt, ht = str(arrays["visible_type"]), str(arrays["hidden_type"])
            vprec = float(arrays.get("visible_precision", 1.0))
            hprec = float(arrays.get("hidden_precision", 1.0))
            out[entry["file"]] = log_z(arrays["weight_matrix"], arrays["vbias"], arrays["hbias"], vt, ht, vprec, hprec)
    return {"log_z": out}


def main(argv):
    try:
        if len(argv) == 2 and not argv[1].startswith("--"):
            result = write_models(argv[1])
        elif len(argv) == 3 and argv[1] == "--arrays":
            result = write_arrays(argv[2])
        elif len(argv) == 3 and argv[1] == "--check":
            result = check(argv[2])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except AssertionError as e:
        print(f"CHECK FAILED: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
