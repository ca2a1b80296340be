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

import msgspec

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


class Node(msgspec.Struct, frozen=True):
    """A name of the tree (its text, comment included) and the names inside it."""

    text: str
    children: tuple[Node, ...] = ()


def icon_token(icon: str) -> str:
    """The token that stands for an icon in the drawn tree (same for every build)."""
    return "__ICON_" + hashlib.md5(icon.encode(), usedforsecurity=False).hexdigest()


TOKENS = {icon_token(name): name for name in ICON_NAMES}


def read_tree(text: str) -> tuple[Node, ...]:
    """The names of a fence, nested by their indentation.  Read with a stack, not by
    recursion: a fence thousands of levels deep is drawn, not a RecursionError."""
    lines = textwrap.dedent(text.strip("\n")).strip().split("\n")
    top: list[_Open] = []
    levels: list[tuple[int, list[_Open]]] = [(0, top)]  # (indent, the names at it so far)
    for line in lines:
        depth = len(line) - len(line.lstrip())
        while True:
            indent, found = levels[-1]
            if depth < indent:  # back out to the level that holds it
                levels.pop()
            elif depth > indent and found:  # deeper than the name above: inside it
                levels.append((depth, found[-1].children))
            else:
                found.append(_Open(line.strip()))
                break
    return _frozen(top)


class _Open(msgspec.Struct):
    """A name while the tree is read: its children still grow."""

    text: str
    children: list[_Open] = msgspec.field(default_factory=list)


def _frozen(top: list[_Open]) -> tuple[Node, ...]:
    """The read names as Nodes, children first (no recursion)."""
    order: list[_Open] = []
    pending = list(top)
    while pending:
        name = pending.pop()
        order.append(name)
        pending += name.children
    done: dict[int, Node] = {}
    for name in reversed(order):  # every name after its children
        done[id(name)] = Node(name.text, tuple(done[id(child)] for child in name.children))
    return tuple(done[id(name)] for name in top)


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


def draw_tree(nodes: tuple[Node, ...], style: str = "auto") -> list[str]:
    """The lines of the tree: top-level names flush left, the others under branches (drawn
    with a stack, not by recursion, however deep the tree)."""
    lines: list[str] = []
    # (node, the text before its branch, whether it is the last of its siblings, top-level)
    pending = [(node, "", number == len(nodes), True) for number, node in enumerate(nodes, 1)]
    pending.reverse()
    while pending:
        node, before, last, top = pending.pop()
        branch = "" if top else ("└── " if last else "├── ")
        lines.append(before + branch + _icon(node, style) + node.text)
        inner = before if top else before + ("    " if last else "│   ")
        count = len(node.children)
        pending += [
            (child, inner, n == count, False) for n, child in reversed(list(enumerate(node.children, 1)))
        ]
    return lines


def tree_options(raw: dict[str, str]) -> tuple[str, str]:
    """The highlight language (``result=``, bash by default) and the icon style (``icons=``)."""
    style = raw.get("icons", "auto")
    if style not in ICON_STYLES:
        raise TreeOptionError(f"icons={style!r} must be one of {', '.join(ICON_STYLES)}")
    return raw.get("result", "") or "bash", style
