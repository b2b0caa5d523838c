"""``vtbridge profiles list | show NAME | validate PATH... | new NAME --from BASE``.

Handlers take the parsed args and return an exit code, so the CLI and tests call them the same way; they print
user errors (never tracebacks) and exit non-zero on failure.
"""

from __future__ import annotations

import json
import sys

from vtbridge import paths
from vtbridge.fsutil import create_text_exclusive
from vtbridge.mapping.profile import (ProfileError, list_profiles, load_profile, resolve_profile_path,
                                      valid_profile_name)


def register(subparsers) -> None:
    """Add the ``profiles`` command (with its sub-commands) to an argparse subparsers object."""
    parser = subparsers.add_parser("profiles", help="list, show, check and create mapping profiles",
                                   description="Mapping profiles turn tracked face values into the names and "
                                               "ranges an app expects. See docs/profiles.md.")
    parser.set_defaults(func=lambda args: _usage(parser))
    sub = parser.add_subparsers(dest="profiles_command", metavar="{list,show,validate,new}")

    p = sub.add_parser("list", help="list shipped and user profiles")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="print a profile with extends resolved, as JSON")
    p.add_argument("name", metavar="NAME", help="profile name or path to a .json file")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("validate", help="check profile files; exit status 1 if any has a problem")
    p.add_argument("paths", nargs="+", metavar="PATH", help="profile files (or names)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("new", help="create a user profile that extends another one")
    p.add_argument("name", metavar="NAME", help="name of the new profile (letters, digits, _ . -)")
    p.add_argument("--from", dest="base", required=True, metavar="BASE", help="profile to extend, e.g. vseeface")
    p.set_defaults(func=cmd_new)


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def cmd_list(args) -> int:
    infos = list_profiles()
    if not infos:
        print("no profiles found")
        return 0
    shipped = {p.stem for p in paths.shipped_profiles_dir().glob("*.json")}
    width = max(len(i.name) for i in infos)
    for info in infos:
        origin = info.origin
        if origin == "user" and info.name in shipped:
            origin = "user, shadows shipped"
        print(f"{info.name:<{width}}  [{origin}]  {info.description}")
        print(f"{'':<{width}}  {info.path}")
    return 0


def cmd_show(args) -> int:
    try:
        profile = load_profile(args.name)
    except ProfileError as err:
        print(err.details(), file=sys.stderr)
        return 1
    chain = " <- ".join(str(p) for p in reversed(profile.files))
    print(f"# {profile.name}: {len(profile.output_names)} outputs from {chain}", file=sys.stderr)
    print(json.dumps(profile.to_json(), indent=2, ensure_ascii=False))
    return 0


def cmd_validate(args) -> int:
    failed = 0
    for target in args.paths:
        try:
            profile = load_profile(target)
        except ProfileError as err:
            failed += 1
            print(err.details(), file=sys.stderr)
            continue
        print(f"ok: {profile.path} ({profile.name}, {len(profile.output_names)} outputs)")
    if failed:
        print(f"{failed} of {len(args.paths)} profile(s) have problems", file=sys.stderr)
    return 1 if failed else 0


def cmd_new(args) -> int:
    name, base = args.name, args.base
    if not valid_profile_name(name):
        print(f"{name!r} is not a valid profile name: use letters, digits, '_', '.' or '-' (no path, no .json)",
              file=sys.stderr)
        return 1
    try:
        base_path = resolve_profile_path(base)
        load_profile(base_path)  # refuse to create a child of a broken profile
    except ProfileError as err:
        print(f"cannot extend {base!r}: {err}", file=sys.stderr)
        return 1
    folder = paths.user_profiles_dir()
    target = folder / f"{name}.json"
    if target.exists():
        print(f"{target} already exists; pick another name or edit that file", file=sys.stderr)
        return 1
    extends = base if valid_profile_name(str(base)) else str(base_path)
    doc = {"name": name, "description": f"My changes on top of {base}.", "extends": extends, "outputs": {}}
    try:
        create_text_exclusive(target, json.dumps(doc, indent=2) + "\n")
    except FileExistsError:  # created meanwhile by someone else: still never overwrite
        print(f"{target} already exists; pick another name or edit that file", file=sys.stderr)
        return 1
    print(f"created {target} (extends {extends}); edit its \"outputs\" to override or add values")
    return 0
