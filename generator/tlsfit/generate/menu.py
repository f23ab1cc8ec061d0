"""``tlsfit menuconfig``: edit a profile with Kconfiglib's menuconfig.

menuconfig works on a full configuration file; we give it a temporary one
loaded from the profile and save the result back as a minimal fragment
(only what differs from the defaults), which is what a profile is.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import menuconfig

from tlsfit.errors import TlsfitError
from tlsfit.generate.model import load_model


def edit_profile(path: Path) -> None:
    kconf = load_model()
    if path.exists():
        kconf.load_config(str(path))
    with tempfile.TemporaryDirectory(prefix="tlsfit-menu-") as tmp:
        full = Path(tmp) / ".config"
        kconf.write_config(str(full))
        os.environ["KCONFIG_CONFIG"] = str(full)
        try:
            menuconfig.menuconfig(kconf)
        except Exception as exc:  # curses errors: no terminal, too small
            raise TlsfitError(f"menuconfig failed: {exc}") from None
        kconf.load_config(str(full))
        header = f"# tlsfit profile {path.stem} (saved by tlsfit menuconfig)\n"
        kconf.write_min_config(str(path), header=header)
