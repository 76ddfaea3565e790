"""WebKit, Safari's engine, for browser tests: WebKitGTK's MiniBrowser driven by WebKitWebDriver
over the W3C WebDriver protocol, on a virtual screen (Xvfb). Playwright's own WebKit cannot be
downloaded here; Debian's webkit2gtk-driver can (``make browsers``).

Only the few commands the tests need, spoken over plain HTTP."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

DRIVER = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


class WebDriverError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebKit:
    def __init__(self):
        if not (os.path.exists(DRIVER) and os.path.exists(MINIBROWSER) and shutil.which("xvfb-run")):
            raise RuntimeError("WebKit is not installed: run `make browsers` (webkit2gtk-driver and xvfb).")
        self.port = _free_port()
        self.process = subprocess.Popen(["xvfb-run", "-a", DRIVER, f"--port={self.port}"], start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                self._call("GET", "/status")
                break
            except (OSError, WebDriverError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.quit()
                    raise RuntimeError("WebKitWebDriver did not start") from None
                time.sleep(0.2)
        options = {"binary": MINIBROWSER, "args": ["--automation"]}
        session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {"webkitgtk:browserOptions": options}}})
        self.session = session["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method, data=data,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as error:
            raise WebDriverError(error.read().decode(errors="replace")[:500]) from None

    def _session(self, method: str, path: str, body: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def goto(self, url: str) -> None:
        self._session("POST", "/url", {"url": url})

    def cookie_add(self, name: str, value: str) -> None:
        """A cookie for the current page's host (go there first)."""
        self._session("POST", "/cookie", {"cookie": {"name": name, "value": value, "path": "/"}})

    def run(self, script: str, *args):
        return self._session("POST", "/execute/sync", {"script": script, "args": list(args)})

    def _element(self, css: str) -> str:
        return self._session("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def type(self, css: str, text: str) -> None:
        self._session("POST", f"/element/{self._element(css)}/value", {"text": text})

    def click(self, css: str) -> None:
        self._session("POST", f"/element/{self._element(css)}/click", {})

    def text(self, css: str) -> str:
        return self._session("GET", f"/element/{self._element(css)}/text")

    def wait_for(self, css: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not self.run("return document.querySelector(arguments[0]) !== null", css):
            if time.monotonic() > deadline:
                raise AssertionError(f"{css} did not appear within {timeout} s; page: "
                                     + str(self.run("return document.body.innerText"))[:500])
            time.sleep(0.1)

    def quit(self) -> None:
        try:
            if getattr(self, "session", None):
                self._call("DELETE", f"/session/{self.session}")
        except (OSError, WebDriverError):
            pass
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
