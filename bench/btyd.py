"""Benchmark: Daur's BG/NBD + Gamma-Gamma against lifetimes 0.11.3 and PyMC-Marketing.

Run from the repository root:  python bench/btyd.py [--customers N] [--skip-pymc]
Each peer runs as a subprocess in its own virtualenv under bench/.venv-<peer>/ (created here on
first use; never a dependency of Daur) and reports timings, parameters and its peak RSS as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DATA = BENCH / ".data"
# The CDNOW sample the repository ships (tests/data); the synthetic data sets need none.
CDNOW_PLACES = (ROOT / "tests" / "data" / "cdnow",)
PEERS = {
    "lifetimes": ["lifetimes==0.11.3", "numpy==1.26.4", "scipy==1.11.4", "pandas==1.5.3",
                  "autograd==1.6.2"],
    "pymc": ["pymc-marketing"],
}
CDNOW_BGNBD = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
CDNOW_GGAMMA = {"p": 6.2488, "q": 3.7446, "gamma": 15.4477}
PEER_TIMEOUT_S = 900


def peer_python(peer: str) -> Path | None:
    venv = BENCH / f".venv-{peer}"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS[peer]])
        if done.returncode != 0:
            print(f"{peer}: pip install failed")
            return None
    return python


def write_cdnow_summary() -> Path | None:
    sys.path.insert(0, str(ROOT / "src"))
    from daur.analytics.summary import summarise

    found = [place / "CDNOW_sample.txt" for place in CDNOW_PLACES
             if (place / "CDNOW_sample.txt").exists()]
    if not found:
        return None
    raw = np.loadtxt(found[0], dtype=str)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    s = summarise(raw[:, 1].astype(int), dates, raw[:, 4].astype(float),
                  calibration_end="1997-09-30")
    return write_summary("cdnow", s.customer_ids, s.x, s.t_x, s.T,
                         np.nan_to_num(s.mean_repeat_spend))


def write_synthetic(n: int) -> Path:
    sys.path.insert(0, str(ROOT / "src"))
    from daur.analytics.btyd import bgnbd

    rng = np.random.default_rng(1997)
    # Ages like CDNOW's cohort (first purchases over 12 weeks, 27-39 weeks before the end), in
    # whole days as a transaction log gives them.
    T_days = rng.integers(189, 274, n).astype(float)
    x, t_x = bgnbd.simulate(CDNOW_BGNBD, T_days / 7, rng)
    t_days = np.where(x > 0, np.clip(np.round(t_x * 7), 1, T_days), 0.0)
    zbar = spend(x, rng)
    return write_summary(f"synthetic_{n}", np.arange(1, n + 1), x, t_days / 7, T_days / 7, zbar)


def write_continuous(n: int) -> Path:
    """The same model with purchases at any time of day: age and recency written in weeks with
    two decimals, as many exports write them, so that few (x, t_x, T) rows coincide."""
    sys.path.insert(0, str(ROOT / "src"))
    from daur.analytics.btyd import bgnbd

    rng = np.random.default_rng(2005)
    T = rng.uniform(27.0, 39.0, n)
    x, t_x = bgnbd.simulate(CDNOW_BGNBD, T, rng)
    T = np.round(T, 2)
    t_x = np.where(x > 0, np.clip(np.round(t_x, 2), 0.01, T), 0.0)
    return write_summary(f"continuous_{n}", np.arange(1, n + 1), x, t_x, T, spend(x, rng),
                         time_format="%.2f")


def spend(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mean repeat order values in cents from Gamma-Gamma at the CDNOW estimates (0 if x = 0)."""
    from daur.analytics.btyd import gamma_gamma

    zbar = np.zeros(x.size)
    zbar[x > 0] = np.round(gamma_gamma.simulate(CDNOW_GGAMMA, x[x > 0], rng), 2)
    return zbar


def write_summary(name, ids, x, t_x, T, zbar, time_format="%.17g") -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"{name}.csv"
    with open(path, "w") as out:
        out.write("customer_id,frequency,recency,T,monetary_value\n")
        np.savetxt(out, np.column_stack([ids, x, t_x, T, zbar]), delimiter=",",
                   fmt=["%d", "%d", time_format, time_format, "%.2f"])
    return path


def run_process(
    argv: list[str], env: dict | None = None
) -> tuple[float, float, float, str, int]:
    """Wall seconds, CPU seconds (user + system, all threads), peak RSS (MB) of the child,
    stdout and return code. On a shared machine the CPU seconds vary less than the wall."""
    wrapper = (
        "import resource, subprocess, sys, time, json;"
        "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "w = time.perf_counter() - t;"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "sys.stderr.write(p.stderr[-2000:]);"
        "print(json.dumps({'wall': w, 'cpu': u.ru_utime + u.ru_stime, 'rss': u.ru_maxrss / 1024,"
        " 'out': p.stdout, 'code': p.returncode}))"
    )
    try:
        done = subprocess.run([sys.executable, "-c", wrapper, *argv], capture_output=True,
                              text=True, env=env, timeout=PEER_TIMEOUT_S, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return float("nan"), float("nan"), float("nan"), "", -9
    if done.returncode != 0 or not done.stdout.strip():
        return float("nan"), float("nan"), float("nan"), done.stderr[-2000:], done.returncode or 1
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        sys.stderr.write(done.stderr[-2000:])
    return result["wall"], result["cpu"], result["rss"], result["out"], result["code"]


def daur_env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT / "src"))


def peer_run(peer: str, python: Path, path: Path, env=None) -> dict | None:
    wall, cpu, rss, out, code = run_process(
        [str(python), str(BENCH / "peers" / f"{peer}_peer.py"), str(path)], env=env
    )
    if code != 0:
        print(f"  {peer}: failed (exit {code})")
        return None
    report = json.loads(out.strip().splitlines()[-1])
    report["process_s"], report["process_cpu_s"], report["process_rss_mb"] = wall, cpu, rss
    return report


def same_3_digits(a: dict, b: dict) -> bool:
    return all(float(f"{a[k]:.3g}") == float(f"{b[k]:.3g}") for k in a)


def compare(name: str, path: Path, pythons: dict) -> list[str]:
    rows = [f"### {name} ({path.name})", ""]
    reports = {"daur": peer_run("daur", Path(sys.executable), path, env=daur_env())}
    for peer, python in pythons.items():
        reports[peer] = peer_run(peer, python, path) if python else None
    # Whole command-line processes: `daur fit` twice (BG/NBD, Gamma-Gamma) vs the peer script.
    fit_wall = fit_cpu = fit_rss = 0.0
    for model in ("bgnbd", "ggamma"):
        wall, cpu, rss, _, code = run_process(
            [sys.executable, "-m", "daur.cli", "fit", str(path), "--model", model, "--json"],
            env=daur_env(),
        )
        if code != 0:
            print(f"  daur fit --model {model}: exit {code}")
        fit_wall += wall
        fit_cpu += cpu
        fit_rss = max(fit_rss, rss)
    rows.append("| tool | BG/NBD fit s | GG fit s | P(alive)+CLV 12m s | whole process s "
                "| its CPU s | peak RSS MB | r | alpha | a | b | p | q | gamma |")
    rows.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for tool, rep in reports.items():
        if rep is None:
            rows.append(f"| {tool} | failed or not run | | | | | | | | | | | | |")
            continue
        bg, gg = rep["bgnbd"], rep["ggamma"]
        g = gg.get("gamma", gg.get("v"))
        rows.append(
            f"| {tool} | {rep['bgnbd_fit_s']:.3f} | {rep['ggamma_fit_s']:.3f} | "
            f"{rep['score_s']:.3f} | {rep['process_s']:.2f} | {rep['process_cpu_s']:.2f} | "
            f"{rep['process_rss_mb']:.0f} | "
            f"{bg['r']:.4g} | {bg['alpha']:.4g} | {bg['a']:.4g} | {bg['b']:.4g} | "
            f"{gg['p']:.4g} | {gg['q']:.4g} | {g:.4g} |"
        )
    rows.append(f"| daur fit (2 processes) | | | | {fit_wall:.2f} | {fit_cpu:.2f} | {fit_rss:.0f} "
                "| | | | | | | |")
    rows.append("")
    ours = reports["daur"]
    for peer in pythons:
        rep = reports.get(peer)
        if rep is None or ours is None:
            continue
        fit_ratio = (rep["bgnbd_fit_s"] + rep["ggamma_fit_s"]) / (
            ours["bgnbd_fit_s"] + ours["ggamma_fit_s"])
        gg_peer = dict(rep["ggamma"])
        if "v" in gg_peer:
            gg_peer["gamma"] = gg_peer.pop("v")
        rows += [
            f"- vs {peer}: fit (BG/NBD + GG, in process) {fit_ratio:.1f}x faster; "
            f"P(alive) + 12-month CLV {rep['score_s'] / ours['score_s']:.1f}x faster; "
            f"whole process {rep['process_s'] / fit_wall:.1f}x faster "
            f"(CPU {rep['process_cpu_s'] / fit_cpu:.1f}x less); "
            f"peak RSS {rep['process_rss_mb']:.0f} MB vs "
            f"{max(ours['process_rss_mb'], fit_rss):.0f} MB; "
            f"parameters equal to 3 significant digits: BG/NBD "
            f"{same_3_digits(ours['bgnbd'], rep['bgnbd'])}, GG "
            f"{same_3_digits(ours['ggamma'], gg_peer)}; "
            f"total CLV {rep.get('total_clv', float('nan')):.6g} "
            f"vs {ours['total_clv']:.6g}",
        ]
    rows.append("")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--skip-pymc", action="store_true")
    args = parser.parse_args()
    pythons = {"lifetimes": peer_python("lifetimes")}
    if not args.skip_pymc:
        pythons["pymc"] = peer_python("pymc")
    started = time.perf_counter()
    lines = [f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
             f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}", ""]
    cdnow = write_cdnow_summary()
    if cdnow is None:
        lines += ["### CDNOW sample: CDNOW_sample.txt not found, skipped", ""]
    else:
        lines += compare("CDNOW sample, 2,357 customers", cdnow, pythons)
    lines += compare(f"{args.customers:,} synthetic BG/NBD customers, ages in whole days",
                     write_synthetic(args.customers), pythons)
    lines += compare(f"{args.customers:,} synthetic BG/NBD customers, continuous ages "
                     "(weeks with two decimals)", write_continuous(args.customers), pythons)
    print("\n".join(lines))
    print(f"(benchmark took {time.perf_counter() - started:.0f} s; "
          f"own peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
