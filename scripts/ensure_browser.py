"""Fail loudly when the browser for the end-to-end tests is missing.

The e2e tests drive Debian's Chromium (/usr/bin/chromium) through Playwright. Without it `make
test` stops here with instructions, instead of silently skipping the browser tests.
"""

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("INBEELD_CHROMIUM", "/usr/bin/chromium")


def _present() -> bool:
    return bool(os.path.exists(CHROMIUM) or shutil.which(CHROMIUM))


if not _present() and os.geteuid() == 0 and shutil.which("apt-get"):
    # `make test` installs what the tests need: on Debian as root, that includes the browser.
    print("Chromium missing: installing Debian's chromium package for the browser tests ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt_get = shutil.which("apt-get")
    subprocess.run([apt_get, "update", "-qq"], check=False, env=env)  # noqa: S603
    subprocess.run([apt_get, "install", "-y", "-qq", "chromium"], check=False, env=env)  # noqa: S603

if not _present():
    sys.stderr.write(
        "\n*** Chromium ontbreekt / Chromium is missing: " + CHROMIUM + "\n"
        "*** The end-to-end tests need Debian's chromium package. Install it with:\n"
        "***     sudo apt-get install -y chromium\n"
        "*** (or point INBEELD_CHROMIUM at a Chromium binary), then run `make test` again.\n\n"
    )
    sys.exit(2)
print(f"Browser for e2e tests: {CHROMIUM}")
