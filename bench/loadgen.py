"""Drive a running server with wrk (a C load generator): N concurrent connections over a list of
paths, with fixed headers; returns requests/s, the latency percentiles and the status counts.

The benchmarks' clients used to be Python threads in the benchmark's own process; on a 2-core
machine they took a good part of a core from the server they measured. wrk keeps its share small
and is the usual tool for such figures. Debian's package: `apt-get install wrk` (the benchmarks
fall back to their Python clients without it, and say so).

    result = loadgen.run("http://127.0.0.1:8000", paths, connections=8, seconds=20,
                         headers={"Authorization": "Bearer ..."})
    result.requests_per_second, result.p50_ms, result.p95_ms, result.p99_ms, result.statuses
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# wrk's Lua: each connection walks the path list from its own offset; every response's status
# is counted; at the end the figures go out as one JSON line on stdout.
_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("LOADGEN_PATHS")) do paths[#paths + 1] = line end
local headers = {}
for line in io.lines(os.getenv("LOADGEN_HEADERS")) do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
  threads[#threads + 1] = thread
end

function init(args)
  statuses = {}
  position = offset
end

function request()
  position = position + 1
  return wrk.format("GET", paths[(position % #paths) + 1], headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    for status, n in pairs(seen) do counts[tostring(status)] = (counts[tostring(status)] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do parts[#parts + 1] = string.format('"%s": %d', status, n) end
  io.write(string.format(
    'LOADGEN {"requests": %d, "seconds": %.6f, "errors": %d, "p50": %d, "p95": %d, ' ..
    '"p99": %d, "max": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
"""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    errors: int  # socket errors, timeouts and non-2xx/3xx answers, as wrk counts them
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which("wrk") is not None


def run(base_url: str, paths: list[str], *, connections: int = 8, seconds: float = 20,
        headers: dict[str, str] | None = None, threads: int = 2,
        timeout_s: int = 10) -> Result:
    """Keep `connections` requests in flight for `seconds` over `paths` (each connection walks
    the list from its own place); wrk's own threads: `threads`."""
    if not paths:
        raise ValueError("no paths to request")
    with tempfile.TemporaryDirectory(prefix="loadgen-") as tmp:
        folder = Path(tmp)
        (folder / "paths").write_text("\n".join(paths) + "\n")
        (folder / "headers").write_text(
            "".join(f"{name}: {value}\n" for name, value in (headers or {}).items()) or "\n"
        )
        (folder / "script.lua").write_text(_SCRIPT)
        done = subprocess.run(
            ["wrk", f"--connections={connections}", f"--threads={min(threads, connections)}",
             f"--duration={max(1, round(seconds))}s", f"--timeout={timeout_s}s",
             f"--script={folder / 'script.lua'}", "--latency", base_url],
            capture_output=True, text=True, check=False,
            env={"LOADGEN_PATHS": str(folder / "paths"),
                 "LOADGEN_HEADERS": str(folder / "headers"), "PATH": "/usr/bin:/bin"},
        )
    line = next((row for row in done.stdout.splitlines() if row.startswith("LOADGEN ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    figures = json.loads(line.removeprefix("LOADGEN "))
    return Result(
        requests=figures["requests"],
        seconds=figures["seconds"],
        errors=figures["errors"],
        p50_ms=figures["p50"] / 1000,
        p95_ms=figures["p95"] / 1000,
        p99_ms=figures["p99"] / 1000,
        max_ms=figures["max"] / 1000,
        statuses={int(status): n for status, n in figures["statuses"].items()},
    )
