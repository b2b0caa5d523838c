"""Command groups that several modules add to (``vtbridge models ...`` gets THA3 and Face2FaceRHO converters)."""

from __future__ import annotations

import argparse


def subcommand_group(sub, name: str, help_text: str):
    """The sub-subparsers of ``vtbridge NAME``: created, or reused when another module already made the group."""
    parser = sub.choices.get(name) or sub.add_parser(name, help=help_text)
    for action in parser._actions:  # argparse has no public accessor for an existing subparsers action
        if isinstance(action, argparse._SubParsersAction):
            return action
    group = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])
    return group
