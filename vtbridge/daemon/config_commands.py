"""``vtbridge config path | show | set KEY VALUE | unset KEY``: read and edit ``config.json`` without an editor.

``set`` takes VALUE as JSON when it parses (``true``, ``60``, ``["a:1","b:2"]``) and as a plain string otherwise
(``vtbridge config set outputs.vts.url ws://localhost:8001``), validates the whole file, then writes it atomically.
A bad key or value is a usage error (exit 2) with the same one-line message the daemon would give.
"""

from __future__ import annotations

import json
import sys

from vtbridge.daemon import config as cfg
from vtbridge.daemon.profile_choice import check_setting as check_profile_setting
from vtbridge.errors import ConfigError
from vtbridge.jsonread import JsonError
from vtbridge.jsonread import loads as strict_json


def parse_value(text: str):
    """JSON if it parses, else the text itself (so URLs and names need no quoting)."""
    try:
        return strict_json(text)
    except JsonError:  # includes NaN, absurd nesting and huge numbers: then it is just text
        return text


def cmd_path(args) -> int:
    print(cfg.config_path())
    return 0


def cmd_show(args) -> int:
    config = cfg.load()
    if args.key:
        try:
            cfg.check_key(args.key)
        except ConfigError as err:
            if not cfg.is_section(args.key):  # a section prints as an object; anything else is a typo
                return _usage_error(err)
            value = cfg.to_dict(cfg.get(config, args.key))
        else:
            value = cfg.get(config, args.key)
        print(json.dumps(list(value) if isinstance(value, tuple) else value, indent=2, ensure_ascii=False))
        return 0
    print(json.dumps(cfg.to_dict(config, only_changed=args.changed), indent=2, ensure_ascii=False))
    return 0


def cmd_set(args) -> int:
    try:
        cfg.check_key(args.key)
        if args.key == "profile":  # a name that does not load would keep the daemon on the fallback profile
            check_profile_setting(parse_value(args.value))
        config = cfg.set_value(args.key, parse_value(args.value))
    except ConfigError as err:
        return _usage_error(err)
    value = cfg.get(config, args.key)
    print(f"{args.key} = {json.dumps(list(value) if isinstance(value, tuple) else value)} "
          f"(saved to {cfg.config_path()}; restart vtbridge to apply it)")
    return 0


def cmd_unset(args) -> int:
    try:
        config = cfg.unset_value(args.key)
    except ConfigError as err:
        return _usage_error(err)
    value = cfg.get(config, args.key)
    print(f"{args.key} = {json.dumps(list(value) if isinstance(value, tuple) else value)} (default)")
    return 0


def _usage_error(err: ConfigError) -> int:
    print(f"vtbridge: error: {err}", file=sys.stderr)
    return 2


def register(subparsers) -> None:
    c = subparsers.add_parser("config", help="show or change settings (config.json)",
                              description="Show or change vtbridge's settings. Keys are dotted paths such as "
                                          "outputs.vmc.targets; docs/config.md lists every key and default.")
    sub = c.add_subparsers(dest="config_command", metavar="ACTION")
    sub.required = True

    p = sub.add_parser("path", help="print where config.json lives")
    p.set_defaults(func=cmd_path)

    s = sub.add_parser("show", help="print the effective settings (defaults included) as JSON")
    s.add_argument("key", nargs="?", help="only this key or section")
    s.add_argument("--changed", action="store_true", help="only what differs from the defaults (the file)")
    s.set_defaults(func=cmd_show)

    t = sub.add_parser("set", help="change one key: vtbridge config set outputs.vts.enabled true")
    t.add_argument("key", help="dotted key, e.g. outputs.vmc.targets")
    t.add_argument("value", help='JSON (true, 60, ["127.0.0.1:39539"]) or a plain string')
    t.set_defaults(func=cmd_set)

    u = sub.add_parser("unset", help="put one key back to its default")
    u.add_argument("key")
    u.set_defaults(func=cmd_unset)
