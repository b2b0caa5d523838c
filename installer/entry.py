"""Entry point of the bundled executables (PyInstaller runs this file, not ``vtbridge.cli`` directly).

Why a separate file: the windowed launcher (``vtbridgew.exe`` on Windows, the ``.app`` on macOS) is what the Start
menu, the Run key and Finder start, usually with no arguments; with none it starts the daemon (``run``) instead of
printing help to a console nobody sees. The console executable (``vtbridge``) behaves exactly like the pip one.
"""

import sys

from vtbridge.cli import main
from vtbridge.daemon.autostart import starts_daemon_without_arguments

if __name__ == "__main__":
    argv = sys.argv[1:]
    if not argv and starts_daemon_without_arguments(sys.executable, sys.platform):
        argv = ["run"]
    sys.exit(main(argv))
