"""markdown-exec's ``tree`` fences: an indented list of names drawn as a tree of files.

Each line of the fence is a name; a line indented more than the one above it is inside
it.  The tree is drawn with box-drawing characters (``├──``, ``└──``, ``│``) under each
top-level name, with a folder or file icon before each name: a name with children, or
ending in ``/``, is a folder.  Text after the name (a ``# comment``) stays on its line.

The icons are drawn as tokens (``__ICON_`` and 32 hex digits) that the highlighter
leaves whole; ``wmbook.render.tree`` puts the icons' SVG in their place once the page
is HTML.  With ``icons="basic"`` they are the emoji 📁 and 📄, with ``icons="none"`` nothing.
"""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass

ICON_STYLES = ("auto", "material", "zensical", "basic", "none")
FOLDER_EMOJI = "📁"
FILE_EMOJI = "📄"
DEFAULT_ICON = "material/file"
# Material's bundled icon (folder/name under its .icons) for a file name or a ``*.extension``.
FILE_ICONS = {
    "Dockerfile": "simple/docker",
    ".gitignore": "simple/git",
    ".gitattributes": "simple/git",
    **{f"*.{ext}": "simple/cplusplus" for ext in ("cpp", "hpp")},
    **{f"*.{ext}": "simple/c" for ext in ("c", "h")},
    "*.css": "simple/css",
    "*.fish": "simple/fishshell",
    **{f"*.{ext}": "simple/fsharp" for ext in ("fs", "fsi", "fsx")},
    "*.go": "simple/go",
    "*.gradle": "simple/gradle",
    "*.groovy": "simple/apachegroovy",
    "*.html": "simple/html5",
    "*.ico": "simple/icon",
    "*.jinja": "simple/jinja",
    **{f"*.{ext}": "simple/jpeg" for ext in ("jpg", "jpeg")},
    "*.json": "simple/json",
    "*.js": "simple/javascript",
    **{f"*.{ext}": "simple/react" for ext in ("jsx", "tsx")},
    **{f"*.{ext}": "simple/kotlin" for ext in ("kt", "kts")},
    "*.lua": "simple/lua",
    "*.md": "simple/markdown",
    "*.odt": "simple/libreofficewriter",
    "*.php": "simple/php",
    **{f"*.{ext}": "simple/python" for ext in ("py", "pyc", "pyo", "pyd", "pyx")},
    "*.rb": "simple/ruby",
    "*.rs": "simple/rust",
    "*.scala": "simple/scala",
    "*.scss": "simple/sass",
    "*.sh": "simple/gnubash",
    "*.svg": "simple/svg",
    "*.tex": "simple/latex",
    "*.toml": "simple/toml",
    "*.ts": "simple/typescript",
    **{f"*.{ext}": "simple/yaml" for ext in ("yml", "yaml")},
    "*.zsh": "simple/zsh",
}
ICON_NAMES = (*sorted(set(FILE_ICONS.values())), DEFAULT_ICON)


def is_drawn(text: str) -> bool:
    """Whether a fence already holds a drawn tree (the output of ``tree``, say): it is then
    shown as written, not drawn again."""
    return any(branch in text for branch in ("├──", "└──"))


class TreeOptionError(ValueError):
    """A ``tree`` fence option that cannot be accepted; the message says what to change."""


@dataclass(frozen=True)
class Node:
    """A name of the tree (its text, comment included) and the names inside it."""

    text: str
    children: tuple[Node, ...] = ()


def icon_token(icon: str) -> str:
    """The token that stands for an icon in the drawn tree (same for every build)."""
    return "__ICON_" + hashlib.md5(icon.encode(), usedforsecurity=False).hexdigest()


TOKENS = {icon_token(name): name for name in ICON_NAMES}


def read_tree(text: str) -> tuple[Node, ...]:
    """The names of a fence, nested by their indentation."""
    lines = textwrap.dedent(text.strip("\n")).strip().split("\n")
    nodes, _ = _children(lines, 0, 0)
    return nodes


def _children(lines: list[str], start: int, indent: int) -> tuple[tuple[Node, ...], int]:
    """The nodes at ``indent`` from line ``start``, and the first line after them."""
    found: list[Node] = []
    index = start
    while index < len(lines):
        line = lines[index]
        depth = len(line) - len(line.lstrip())
        if depth < indent:
            break
        if depth > indent and found:  # deeper than the name above: inside it
            inner, index = _children(lines, index, depth)
            found[-1] = Node(found[-1].text, found[-1].children + inner)
            continue
        found.append(Node(line.strip()))
        index += 1
    return tuple(found), index


def file_icon(name: str) -> str:
    """Material's icon for a file name, by name then by extension."""
    if name in FILE_ICONS:
        return FILE_ICONS[name]
    return FILE_ICONS.get("*." + name.rsplit(".", 1)[-1], DEFAULT_ICON)


def _icon(node: Node, style: str) -> str:
    if style == "none":
        return ""
    name = node.text.split()[0] if node.text.split() else ""
    if node.children or name.endswith("/"):
        return FOLDER_EMOJI + " "
    if style == "basic":
        return FILE_EMOJI + " "
    return icon_token(file_icon(name)) + " "


def draw_tree(nodes: tuple[Node, ...], style: str = "auto", *, top: bool = True) -> list[str]:
    """The lines of the tree: top-level names flush left, the others under branches."""
    lines: list[str] = []
    for number, node in enumerate(nodes, 1):
        last = number == len(nodes)
        branch = "" if top else ("└── " if last else "├── ")
        lines.append(branch + _icon(node, style) + node.text)
        below = draw_tree(node.children, style, top=False)
        if top:
            lines += below
        else:
            lines += [("    " if last else "│   ") + line for line in below]
    return lines


def tree_options(raw: dict[str, str]) -> tuple[str, str]:
    """The highlight language (``result=``, bash by default) and the icon style (``icons=``)."""
    style = raw.get("icons", "auto")
    if style not in ICON_STYLES:
        raise TreeOptionError(f"icons={style!r} must be one of {', '.join(ICON_STYLES)}")
    return raw.get("result", "") or "bash", style
