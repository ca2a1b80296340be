# Run inside Pyodide in the reader's browser: what a block needs, as at build time.
import ast
import io
import random
import sys
import traceback


def _style():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcdefaults()
    plt.rcParams.update(STYLE)  # noqa: F821  (plot_helper.py runs first, in this namespace)
    return plt


def plot_xy(*args, **kwargs):
    """The book's figure helper (plot_helper.py, loaded beside this file), in the book's style."""
    _style()
    return _plot_xy(*args, **kwargs)  # noqa: F821  (plot_helper.py runs first, in this namespace)


def new_session():
    """A fresh namespace, as a session starts at build time."""
    random.seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
    return {"__name__": "__main__", "plot_xy": plot_xy}


def _figures():
    if "matplotlib.pyplot" not in sys.modules:
        return []
    plt = sys.modules["matplotlib.pyplot"]
    svgs = []
    for number in plt.get_fignums():
        buffer = io.StringIO()
        plt.figure(number).savefig(buffer, format="svg", metadata={"Date": None})
        svg = buffer.getvalue()
        svgs.append(svg[svg.index("<svg") :].replace(INK, "currentColor"))  # noqa: F821
    plt.close("all")
    return svgs


def run_block(code, namespace, name, raises=""):
    """Run one block; return (traceback or '', figures, whether it raised what it is marked
    ``raises`` with). The last expression's value is printed, as Jupyter shows it."""
    error = ""
    expected = False
    try:
        tree = ast.parse(code, name, "exec")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, name, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
            if value is not None and not type(value).__module__.startswith("matplotlib"):
                print(repr(value))
    except BaseException as exc:  # noqa: BLE001  (the reader's code: every failure is shown)
        frames = traceback.extract_tb(exc.__traceback__)
        first = next((i for i, f in enumerate(frames) if f.filename == name), len(frames))
        shown = traceback.TracebackException.from_exception(exc)
        shown.stack = traceback.StackSummary.from_list(frames[first:])
        error = "".join(shown.format())
        expected = bool(raises) and any(
            raises in (cls.__name__, f"{cls.__module__}.{cls.__qualname__}") for cls in type(exc).__mro__
        )
    return error, _figures(), expected
