"""`make run`: the whole development stack in one command.

Starts the embedded services for every URL not set, migrates every schema, loads the demo
organizations, then runs web, Celery worker and Celery beat side by side (honcho) and prints where
to sign in. Ctrl-C stops the processes and the embedded services this command started.
"""

import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from honcho.manager import Manager

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
PORT = os.environ.get("PORT", "8000")
DEMO_PASSWORD = "tessera-demo-2026"


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def banner(env: dict) -> None:
    """Print the URLs once the web process answers."""
    url = f"http://localhost:{PORT}/healthz"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except urllib.error.HTTPError:  # 503 while the worker warms up: the web is up
            break
        except OSError:
            time.sleep(0.5)
    out = subprocess.run(
        [sys.executable, "manage.py", "load_demo", "--describe", f"--password={DEMO_PASSWORD}"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True,
    )
    print("\n" + out.stdout, flush=True)


def stripe_test_mode(env: dict) -> str | None:
    """Without Stripe keys, card payments run against localstripe (a local fake of Stripe): test
    mode, no real money, the test card 4242 4242 4242 4242 pays. Returns its port, or None."""
    if env.get("STRIPE_SECRET_KEY"):
        return None
    port = env.get("LOCALSTRIPE_PORT", "8420")
    env.update(STRIPE_API_BASE=f"http://localhost:{port}", STRIPE_SECRET_KEY="sk_test_tessera_localstripe",
               STRIPE_PUBLISHABLE_KEY="pk_test_tessera_localstripe", STRIPE_WEBHOOK_SECRET="whsec_tessera_localstripe")
    print(f"  Stripe TEST MODE: localstripe on http://localhost:{port} (no real money; "
          "pay with card 4242 4242 4242 4242, any future date, any CVC)", flush=True)
    return port


def main() -> int:
    env = os.environ.copy()
    env.setdefault("DEBUG", "true")
    env.setdefault("PLATFORM_PORT", PORT)
    env.setdefault("PYTHONUNBUFFERED", "1")
    print("Starting services (embedded where no URL is set)…", flush=True)
    started = embedded.fill_environment(env)
    for name in started:
        print(f"  embedded {name} under {embedded.DATA_DIR}", flush=True)

    stripe_port = stripe_test_mode(env)

    print("Migrating schemas…", flush=True)
    manage("setup_platform", env=env)
    print("Loading demo organizations…", flush=True)
    manage("load_demo", f"--password={DEMO_PASSWORD}", env=env)
    if started.get("search"):
        manage("search_rebuild", env=env)

    python = sys.executable
    celery = [python, "-m", "celery", "-A", "config"]
    manager = Manager()
    manager.add_process("web", f"{python} manage.py runserver 0.0.0.0:{PORT} --noreload", env=env, cwd=str(BASE_DIR))
    manager.add_process(
        "worker", " ".join([*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--without-gossip"]),
        env=env, cwd=str(BASE_DIR),
    )
    manager.add_process(
        "beat", " ".join([*celery, "beat", "--loglevel=INFO",
                          f"--schedule={embedded.DATA_DIR / 'celerybeat-schedule'}"]),
        env=env, cwd=str(BASE_DIR),
    )
    if stripe_port:
        manager.add_process("stripe", f"{python} -m localstripe --port {stripe_port}", env=env, cwd=str(BASE_DIR))
    threading.Thread(target=banner, args=(env,), daemon=True).start()
    try:
        manager.loop()
    finally:
        if started and not env.get("TESSERA_KEEP_SERVICES"):
            print("Stopping embedded services…", flush=True)
            embedded.stop_all([name for name in ("search", "redis", "postgres") if name in started])
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
