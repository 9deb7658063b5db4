"""Saves what the X screen shows (the app window under Xvfb) as a PNG: the e2e test's
screenshots. WebKitWebDriver's own screenshot can hang when WebKit draws without compositing
(src-tauri/src/rendering.rs), and the screen is what a person sees anyway."""
import sys

import gi

gi.require_version("Gdk", "3.0")
from gi.repository import Gdk  # noqa: E402

root = Gdk.get_default_root_window()
if root is None:
    sys.exit("grab.py: no X display")
pixbuf = Gdk.pixbuf_get_from_window(root, 0, 0, root.get_width(), root.get_height())
if pixbuf is None:
    sys.exit("grab.py: the screen could not be read")
pixbuf.savev(sys.argv[1], "png", [], [])
