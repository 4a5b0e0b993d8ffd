"""Open a built page in headless Chromium and prove its course widget works without a kernel.

Usage::

    python tests/browser/check_widgets.py [_build/html/chapters/setup.html] [--screenshot PNG]

What it checks, on the page as a reader's browser sees it (exit code 1 and a reason if not):

1. the ipywidgets HTML manager rendered the embedded widget state (``.jupyter-widgets``
   elements, a ``<select>`` and toggle buttons exist);
2. choosing another dropdown value, then another toggle button, changes the picture shown
   (the visible image's pixels are hashed before and after each change);
3. the page works offline: host names resolve to nothing (``--host-resolver-rules``) and any
   http(s) request (a script or font from a CDN) fails the check, as does a script error
   other than two known, harmless ones.

Why the DevTools protocol: ``--dump-dom`` cannot interact with the page. The script speaks CDP
over a WebSocket (``websocket-client``, already installed with Jupyter), so it needs nothing
beyond ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from base64 import b64decode
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_PAGE = Path("_build/html/chapters/setup.html")
DEFAULT_SCREENSHOT = Path("_build/screenshots/setup_widget.png")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1280,1000",
]

# Hash of the pixels of the first visible <img> inside the widget area (blob URLs change on
# every render, so compare what is drawn, not the URL).
VISIBLE_IMAGE_HASH = """
(() => {
  const img = [...document.querySelectorAll('.jupyter-widgets img')]
      .find(i => i.offsetParent !== null && i.complete && i.naturalWidth > 0);
  if (!img) return null;
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, c.width, c.height).data;
  let h = 2166136261;
  for (let i = 0; i < data.length; i += 7) { h = Math.imul(h ^ data[i], 16777619) >>> 0; }
  return h.toString(16) + ':' + c.width + 'x' + c.height;
})()
"""
WIDGET_COUNTS = """
JSON.stringify({
  widgets: document.querySelectorAll('.jupyter-widgets').length,
  selects: document.querySelectorAll('.widget-dropdown select').length,
  toggles: document.querySelectorAll('.widget-toggle-buttons button').length,
  errors: document.querySelectorAll('.jupyter-widgets-error-widget, .widget-error').length,
})
"""
SELECT_SECOND_OPTION = """
(() => {
  const s = document.querySelector('.widget-dropdown select');
  s.selectedIndex = 1; s.dispatchEvent(new Event('change', {bubbles: true}));
  return s.value;
})()
"""
CLICK_LAST_TOGGLE = """
(() => {
  const b = [...document.querySelectorAll('.widget-toggle-buttons button')].pop();
  b.click(); return b.textContent;
})()
"""


# Script errors seen on every Jupyter Book 1 page with widgets, which change nothing a reader
# sees: ipywidgets typesets labels with the MathJax 2 API (`MathJax.Hub.Queue`) while Sphinx
# loads MathJax 3, and sphinx-thebe declares THEBE_JS_URL twice. Anything else fails the check.
KNOWN_HARMLESS_ERRORS = ("reading 'Queue'", "'THEBE_JS_URL' has already been declared")


class CheckFailed(Exception):
    """The page does not behave as a reader needs; the message says what was seen."""


@dataclass
class DevTools:
    """A minimal Chrome DevTools Protocol client for one page target."""

    ws: websocket.WebSocket
    events: list[dict[str, Any]] = field(default_factory=list)
    ids: itertools.count = field(default_factory=itertools.count)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise CheckFailed(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise CheckFailed(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, accept, what: str, timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if accept(value):
                return value
            time.sleep(0.2)
        raise CheckFailed(f"timed out after {timeout_s:.0f} s waiting for {what}; last: {value!r}")


def _devtools_port(profile: Path, timeout_s: float = 30.0) -> int:
    """Chromium writes the port it chose into DevToolsActivePort in its profile folder."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if marker.is_file() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        time.sleep(0.1)
    raise CheckFailed(f"chromium did not open its DevTools port within {timeout_s:.0f} s")


def _stop(browser: subprocess.Popen) -> None:
    """Stop chromium and every helper process it started (its process group)."""
    try:
        os.killpg(browser.pid, signal.SIGTERM)
        browser.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(browser.pid, signal.SIGKILL)
        browser.wait(timeout=10)


def check_page(page: Path, screenshot: Path, timeout_s: float = 30.0) -> dict[str, Any]:
    """Run the three checks on ``page``; write a screenshot; return what was observed."""
    if not page.is_file():
        raise CheckFailed(f"{page} not found: build the site first (`make site`)")
    # Chromium's helper processes (renderer, GPU, crashpad) can still write into the profile
    # after the main process exits: the whole session is stopped below, and a file they leave
    # behind must not turn a passing check into "Directory not empty".
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        browser = subprocess.Popen(
            [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so that one signal stops them all
        )
        try:
            port = _devtools_port(Path(profile))
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            target = next(t for t in targets if t["type"] == "page")
            ws = websocket.create_connection(  # no Origin header: chromium rejects foreign ones
                target["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
            )
            try:
                return _exercise(DevTools(ws), page, screenshot, timeout_s)
            finally:
                ws.close()
        finally:
            _stop(browser)


def _exercise(cdp: DevTools, page: Path, screenshot: Path, timeout_s: float) -> dict[str, Any]:
    cdp.call("Network.enable")
    cdp.call("Runtime.enable")
    cdp.call("Page.enable")
    cdp.call("Page.navigate", url=page.resolve().as_uri())
    counts = json.loads(
        cdp.wait_for(
            WIDGET_COUNTS,
            lambda v: v and json.loads(v)["selects"] > 0,
            "the widget manager to render a dropdown",
            timeout_s,
        )
    )
    if counts["errors"]:
        raise CheckFailed(f"the page shows {counts['errors']} widget error box(es): {counts}")
    if counts["toggles"] < 2:
        raise CheckFailed(f"expected toggle buttons next to the dropdown; found {counts}")
    views = [cdp.wait_for(VISIBLE_IMAGE_HASH, bool, "the first view's image", timeout_s)]
    for action, what in ((SELECT_SECOND_OPTION, "dropdown"), (CLICK_LAST_TOGGLE, "toggle")):
        chosen = cdp.evaluate(action)
        views.append(
            cdp.wait_for(
                VISIBLE_IMAGE_HASH,
                lambda v: v and v not in views,
                f"the view to change after choosing {chosen!r} ({what})",
                timeout_s=10,
            )
        )
    cdp.evaluate("document.querySelector('.jupyter-widgets').scrollIntoView()")
    time.sleep(0.5)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(b64decode(cdp.call("Page.captureScreenshot", format="png")["data"]))
    outside = sorted(
        {
            e["params"]["request"]["url"].split("?")[0]
            for e in cdp.events
            if e.get("method") == "Network.requestWillBeSent"
            and e["params"]["request"]["url"].startswith(("http://", "https://"))
        }
    )
    thrown = [
        _describe(e["params"]["exceptionDetails"])
        for e in cdp.events
        if e.get("method") == "Runtime.exceptionThrown"
    ]
    if outside:
        raise CheckFailed(f"the page requested resources from the network: {outside}")
    unexpected = [t for t in thrown if not any(known in t for known in KNOWN_HARMLESS_ERRORS)]
    if unexpected:
        raise CheckFailed(f"script errors on the page: {unexpected}")
    return {
        "page": str(page),
        "counts": counts,
        "views": views,
        "screenshot": str(screenshot),
        "requests_outside_the_page": outside,
        "script_errors": thrown,
    }


def _describe(details: dict[str, Any]) -> str:
    """One line for a script error: its message and where it was thrown."""
    text = details.get("exception", {}).get("description", details.get("text", ""))
    first_line = text.splitlines()[0] if text else "?"
    return f"{first_line} ({details.get('url', '?')}:{details.get('lineNumber')})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", nargs="?", type=Path, default=DEFAULT_PAGE)
    parser.add_argument("--screenshot", type=Path, default=DEFAULT_SCREENSHOT)
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds to wait for the widgets to appear (default 30)",
    )
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    try:
        observed = check_page(args.page, args.screenshot, args.timeout)
    except (CheckFailed, OSError, websocket.WebSocketException) as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(observed, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
