"""Run every lesson the way Colab does: alone, with only lrlib installed from a wheel.

    python -m tests.tools.standalone --jobs 2 notebooks/*.ipynb   (what `make test-notebooks` runs)

This is the only run of the lessons in `make test`: nbval compares every text output of
every lesson with its committed output, in the setting a reader has.

1. Build a wheel of lrlib from a copy of the files it is built from (pyproject.toml,
   README.md, lrlib/), so nothing else of the repository can slip in.
2. Create a fresh virtual environment. Its site-packages sees the third-party packages
   of the environment running this script (torch, matplotlib, nbval, ...) through a
   .pth file, so nothing is downloaded; the editable lrlib of that environment is not
   visible (its import hook lives in a .pth file, and .pth files are only processed in
   site directories, not in directories a .pth file adds).
3. Install the wheel into it, and check that `import lrlib` resolves to the wheel.
4. Copy each notebook alone into an empty folder and re-run it there under
   `pytest --nbval` (sanitizers: tests/sanitize.cfg), with one thread
   (OMP_NUM_THREADS=1, MKL_NUM_THREADS=1): this run is also the check that the outputs
   do not depend on the thread count (lrlib.utils asks MKL for its reproducible mode).
   `--jobs N` runs N lessons at once (each still on one thread), the longest first as
   recorded in the notebook's execution metadata; the slowest lessons are listed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANITIZE = ROOT / "tests" / "sanitize.cfg"
WHEEL_SOURCES = ["pyproject.toml", "README.md", "lrlib"]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TQDM_DISABLE": "1"}


def _run(cmd, **kwargs):
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def build_wheel(work: Path) -> Path:
    """A wheel of lrlib, built from a clean copy of its sources."""
    src = work / "src"
    src.mkdir()
    for name in WHEEL_SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(
                origin, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(origin, src / name)
    out = work / "wheel"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(src),
        ]
    )
    wheels = sorted(out.glob("lrlib-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one lrlib wheel in {out}, found {wheels}")
    return wheels[0]


def make_venv(work: Path, wheel: Path) -> Path:
    """A fresh venv with lrlib from ``wheel`` and this environment's other packages."""
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=work,
        ).strip()
    )
    ours = {Path(p) for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]]}
    (purelib / "_lrwiki_main_env.pth").write_text(
        "".join(f"{p}\n" for p in sorted(ours) if p.is_dir())
    )
    # pip itself comes from the main environment through the .pth file; --ignore-installed
    # keeps it from touching the main environment's editable lrlib, which it can see.
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run([*pip, "--no-index", "--no-deps", "--ignore-installed", str(wheel)], cwd=work)
    return python


def check_lrlib_is_the_wheel(python: Path, folder: Path) -> str:
    """Where ``import lrlib`` resolves from an empty folder; fails unless inside the venv."""
    where = _run(
        [str(python), "-c", "import lrlib; print(lrlib.__file__)"], cwd=folder, env=_env()
    ).strip()
    venv = python.parents[1].resolve()
    if not Path(where).resolve().is_relative_to(venv):
        raise RuntimeError(f"lrlib resolves to {where}, not to the wheel installed in {venv}")
    return where


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(ONE_THREAD)
    return env


def recorded_seconds(notebook: Path) -> float:
    """How long the lesson's cells took when its outputs were recorded (0.0 if not known).

    Jupyter stores each cell's start and end in ``metadata.execution``; the sum orders
    the lessons longest first, so that two workers finish at about the same time.
    """
    total = 0.0
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            stamps = cell.get("metadata", {}).get("execution", {})
            busy, idle = stamps.get("iopub.status.busy"), stamps.get("iopub.status.idle")
            if busy and idle:
                total += (
                    datetime.fromisoformat(idle.replace("Z", "+00:00"))
                    - datetime.fromisoformat(busy.replace("Z", "+00:00"))
                ).total_seconds()
    except (OSError, ValueError, TypeError, AttributeError):
        return 0.0
    return total


def run_alone(python: Path, notebook: Path, work: Path, ini: Path) -> tuple[bool, float, str]:
    """Copy ``notebook`` alone into an empty folder and re-run it there under nbval."""
    folder = work / "alone" / notebook.stem
    folder.mkdir(parents=True)
    shutil.copy2(notebook, folder / notebook.name)
    start = time.perf_counter()
    pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--color=no"]
    alone = ["-c", str(ini), "--rootdir", str(folder)]
    nbval = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(work / "sanitize.cfg")]
    command = [str(python), *pytest, *alone, *nbval, notebook.name]
    done = subprocess.run(command, cwd=folder, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return done.returncode == 0, seconds, done.stdout[-6000:] + done.stderr[-2000:]


def run_all(python: Path, notebooks: list[Path], work: Path, ini: Path, jobs: int) -> dict:
    """Run every lesson alone, ``jobs`` at a time; print each as it ends; {name: (ok, s)}."""
    order = sorted(notebooks, key=recorded_seconds, reverse=True)
    results = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        running = {pool.submit(run_alone, python, nb, work, ini): nb for nb in order}
        for future in as_completed(running):
            notebook = running[future]
            ok, seconds, log = future.result()
            results[notebook.name] = (ok, seconds)
            print(f"  {'ok  ' if ok else 'FAIL'} {notebook.name}: {seconds:.1f} s", flush=True)
            if not ok:
                print("    " + log.replace("\n", "\n    "), flush=True)
    return results


def print_slowest(results: dict, count: int = 10) -> None:
    slowest = sorted(results.items(), key=lambda item: item[1][1], reverse=True)[:count]
    print(f"standalone: the {len(slowest)} slowest lessons (alone, one thread each):")
    for name, (_, seconds) in slowest:
        print(f"  {seconds:7.1f} s  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.tools.standalone",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument(
        "--jobs", type=int, default=1, help="lessons run at once, each on one thread (default 1)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder to inspect it"
    )
    args = parser.parse_args(argv)
    if not args.notebooks:
        print("standalone: no lessons in notebooks/ yet, nothing to run")
        return 0
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {missing}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    work = Path(tempfile.mkdtemp(prefix="lrwiki-standalone-"))
    try:
        start = time.perf_counter()
        wheel = build_wheel(work)
        python = make_venv(work, wheel)
        (work / "empty").mkdir()
        where = check_lrlib_is_the_wheel(python, work / "empty")
        shutil.copy2(SANITIZE, work / "sanitize.cfg")
        ini = work / "pytest.ini"
        ini.write_text("[pytest]\n")
        print(
            f"standalone: {wheel.name} installed in a fresh venv "
            f"({time.perf_counter() - start:.1f} s); lrlib imports from the wheel "
            f"(.../{Path(where).relative_to(python.parents[1])}); each lesson alone in an "
            f"empty folder, one thread, {args.jobs} at a time",
            flush=True,
        )
        results = run_all(python, args.notebooks, work, ini, args.jobs)
        print_slowest(results)
        failures = sorted(name for name, (ok, _) in results.items() if not ok)
        elapsed = time.perf_counter() - start
        if failures:
            print(f"standalone: {len(failures)} of {len(results)} lessons failed: {failures}")
            return 1
        print(
            f"standalone: all {len(results)} lessons ran alone and matched their outputs "
            f"({elapsed:.0f} s in all)"
        )
        return 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
