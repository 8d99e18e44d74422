"""The README's screenshots: a scored demo business in a temporary home, shot in headless Chromium.

    python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

Runs `daur init`, `daur demo` and `daur score` on SQLite in a fresh DAUR_HOME, serves it with
`daur serve`, logs in as demo/demo and writes dashboard.png, customers.png, customer-360.png
(the retention customer with types and the highest CLV) and acquisition.png (the list, the 360
and the acquisition page their first screen), leads.png, campaign.png (the demo's coupon campaign
and its measured uplift), personas.png, tickets.png and, as a sales rep, today.png.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def daur(*args: str, env: dict, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "daur.cli", *args], env=env, cwd=cwd, check=True)


def showcase_customer(env: dict) -> int:
    """The id of the customer the 360 shot shows."""
    code = (
        "from daur.insights.models import CustomerScore as S;"
        "s = S.objects.filter(lifecycle_stage='retention').exclude(types='')"
        ".exclude(strategy='').order_by('-clv_12m').first();"
        "print(s.customer_id)"
    )
    out = subprocess.run(
        [sys.executable, "-m", "daur.cli", "manage", "shell", "-c", code],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    return int(out.strip().splitlines()[-1])


def coupon_campaign(env: dict) -> int:
    """The id of the demo's coupon campaign (its read-out has a measured uplift)."""
    code = (
        "from daur.campaigns.models import Campaign as C;"
        "print(C.objects.filter(offer='coupon', status='launched').order_by('pk').first().pk)"
    )
    out = subprocess.run(
        [sys.executable, "-m", "daur.cli", "manage", "shell", "-c", code],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    return int(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="daur-shots-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAUR_")}
    env.update(DAUR_HOME=str(home), PYTHONPATH=str(ROOT / "src"))
    daur("init", env=env, cwd=home)
    daur("demo", env=env, cwd=home)
    daur("score", env=env, cwd=home)
    customer = showcase_customer(env)
    campaign = coupon_campaign(env)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "daur.cli", "serve", "--port", str(port)],
        env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/login/")
            page.fill("#id_username", "demo")
            page.fill("#id_password", "demo")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.screenshot(path=str(out / "dashboard.png"), full_page=True)
            # The list and the 360 run long (50 rows, a 30-event timeline): their first screen.
            page.set_viewport_size({"width": 1280, "height": 1000})
            page.goto(f"{base}/customers/?stage=retention")
            page.screenshot(path=str(out / "customers.png"))
            page.goto(f"{base}/customers/{customer}/")
            page.screenshot(path=str(out / "customer-360.png"))
            page.goto(f"{base}/acquisition/")
            page.screenshot(path=str(out / "acquisition.png"))
            page.goto(f"{base}/leads/")
            page.screenshot(path=str(out / "leads.png"))
            page.goto(f"{base}/campaigns/{campaign}/")
            page.screenshot(path=str(out / "campaign.png"))
            page.goto(f"{base}/personas/")
            page.screenshot(path=str(out / "personas.png"))
            page.goto(f"{base}/tickets/")
            page.screenshot(path=str(out / "tickets.png"))
            # A sales rep's day, as the rep sees it (a browser context of its own).
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{base}/login/")
            page.fill("#id_username", "demo-rep")
            page.fill("#id_password", "demo")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/today/")
            page.screenshot(path=str(out / "today.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait()
    print(f"screenshots in {out} (demo home {home})")


if __name__ == "__main__":
    main()
