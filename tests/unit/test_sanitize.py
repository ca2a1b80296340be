"""HTML from a block's objects is sanitised (Ammonia, through nh3): nothing in it can run
script, cover the page or take an id the page uses."""

from __future__ import annotations

import pytest

from wmbook.render.sanitize import sanitize_html


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<script>alert(1)</script><p>after</p>", "<p>after</p>"),
        ("<SCRIPT type='text/javascript'>alert(1)</SCRIPT>kept", "kept"),
        ("<script src='https://evil.example/x.js'></script>", ""),
        ("<p>a<script>document.write('<b>x</b>')</script>b</p>", "<p>ab</p>"),
        ('<b onclick="steal()">bold</b>', "<b>bold</b>"),
        ('<img src="x.png" onerror="steal()" alt="pic">', '<img src="x.png" alt="pic">'),
        ('<div OnMouseOver="steal()">d</div>', "<div>d</div>"),
        ('<a href="javascript:alert(1)">link</a>', '<a rel="noopener noreferrer">link</a>'),
        ('<a href="  JavaScript:alert(1)">link</a>', '<a rel="noopener noreferrer">link</a>'),
        ('<a href="java&#x09;script:alert(1)">link</a>', '<a rel="noopener noreferrer">link</a>'),
        ('<a href="vbscript:msgbox(1)">link</a>', '<a rel="noopener noreferrer">link</a>'),
        (
            '<a href="https://example.org/?a=1&amp;b=2">ok</a>',
            '<a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">ok</a>',
        ),
        ("<style>body { display: none }</style><p>text</p>", "<p>text</p>"),
        ('<iframe src="https://example.org"></iframe><p>after</p>', "<p>after</p>"),
        ('<iframe srcdoc="<script>x</script>">inner</iframe>', ""),
        ("<form action='/x'><input name='q'></form><p>after</p>", "<p>after</p>"),
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', '<img src="data:image/png;base64,iVBORw0KGgo=">'),
        ('<img src="data:image/jpeg;base64,/9j/4AAQ">', '<img src="data:image/jpeg;base64,/9j/4AAQ">'),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src="data:image/svg+xml,<svg onload=alert(1)>">', "<img>"),
        (
            '<svg viewBox="0 0 1 1"><script>alert(1)</script><circle r="1"/></svg>',
            '<svg viewBox="0 0 1 1"><circle r="1"></circle></svg>',
        ),
        (
            '<svg><g><style>*{fill:red}</style><rect width="1" height="1"/></g></svg>',
            '<svg><g><rect width="1" height="1"></rect></g></svg>',
        ),
        (
            '<svg><a xlink:href="javascript:alert(1)"><text>t</text></a></svg>',
            '<svg><a rel="noopener noreferrer"><text>t</text></a></svg>',
        ),
        ('<svg onload="alert(1)"><path d="M0 0"/></svg>', '<svg><path d="M0 0"></path></svg>'),
        ("<p>&amp; &lt;tag&gt; &#169; &copy; &nbsp;</p>", "<p>&amp; &lt;tag&gt; © © &nbsp;</p>"),
        ("<p>1 < 2 & 3 > 2</p>", "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"),
        (
            '<p title="a &quot;quote&quot; &amp; more">t</p>',
            '<p title="a &quot;quote&quot; &amp; more">t</p>',
        ),
        ("<!-- a comment <script>x</script> --><p>p</p>", "<p>p</p>"),
        (
            '<table class="dataframe"><tr><th>a</th></tr><tr><td>1</td></tr></table>',
            '<table class="dataframe"><tbody><tr><th>a</th></tr><tr><td>1</td></tr></tbody></table>',
        ),
        ("<br><hr/><p>x</p>", "<br><hr><p>x</p>"),
    ],
)
def test_what_survives(markup: str, expected: str) -> None:
    assert sanitize_html(markup) == expected


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<svg><script>alert(1)</script></svg>",
        "<style>p{color:red}</style>",
        '<iframe src="javascript:alert(1)"></iframe>',
        '<object data="x.swf"></object>',
        '<math><mtext><a href="javascript:alert(1)">m</a></mtext></math>',
    ],
)
def test_nothing_dangerous_is_left(markup: str) -> None:
    out = sanitize_html(markup).lower()
    for needle in ("<script", "onerror", "onload", "javascript:", "<style", "<iframe", "<object"):
        assert needle not in out


@pytest.mark.parametrize(
    "markup",
    [
        '<meta charset="utf-8"><p>after</p>',
        '<link rel="stylesheet" href="x.css"><p>after</p>',
        '<base href="https://example.org/"><p>after</p>',
        '<embed src="x.swf"><p>after</p>',
        '<object data="x"><param name="a" value="b"></object><p>after</p>',
    ],
)
def test_content_after_a_dropped_void_element_is_kept(markup: str) -> None:
    assert sanitize_html(markup) == "<p>after</p>"


def test_javascript_url_behind_a_control_character_is_dropped() -> None:
    assert sanitize_html('<a href="\x01javascript:alert(1)">x</a>') == '<a rel="noopener noreferrer">x</a>'


def test_svg_animation_cannot_set_a_javascript_href() -> None:
    markup = '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>t</text></a></svg>'
    assert "javascript:" not in sanitize_html(markup).lower()


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        # Nothing positions or overlays: only the allowed properties of a style survive.
        (
            '<div style="position:fixed;inset:0;z-index:99999;color:red"><a href="https://x.org">x</a></div>',
            '<div style="color:red"><a href="https://x.org" rel="noopener noreferrer">x</a></div>',
        ),
        ('<p style="transform:scale(50);top:0;left:0;margin:-999px">p</p>', '<p style="">p</p>'),
        ('<p style="POSITION: absolute; font-weight: bold">p</p>', '<p style="font-weight:bold">p</p>'),
        ('<p style="posit\\69 on:fixed">p</p>', '<p style="">p</p>'),
        (
            '<table border="1" class="dataframe"><thead><tr style="text-align: right;"><th>a</th></tr></thead></table>',
            '<table border="1" class="dataframe"><thead><tr style="text-align:right"><th>a</th></tr></thead></table>',
        ),
        # The site's own classes, some of which fix an element over the page, are dropped.
        ('<div class="md-dialog md-dialog--active note">x</div>', '<div class="note">x</div>'),
        ('<div class="wmbook-quiz">x</div>', "<div>x</div>"),
        # Ids are the output's own, and so are the references to them.
        (
            '<svg><defs><clipPath id="c"><rect width="1"/></clipPath></defs><g clip-path="url(#c)"><use href="#c"/></g></svg>',
            '<svg><defs><clipPath id="out-c"><rect width="1"></rect></clipPath></defs>'
            '<g clip-path="url(#out-c)"><use href="#out-c"></use></g></svg>',
        ),
        ('<p id="wmbook-runner-data">p</p>', '<p id="out-wmbook-runner-data">p</p>'),
        ('<a href="#top">up</a>', '<a href="#out-top" rel="noopener noreferrer">up</a>'),
        # Images: GIF and WebP data URLs too, as figures may embed them.
        ('<img src="data:image/gif;base64,R0lGOD">', '<img src="data:image/gif;base64,R0lGOD">'),
        ('<img src="data:image/webp;base64,UklGR">', '<img src="data:image/webp;base64,UklGR">'),
        ('<svg><image href="data:text/html,<script>x</script>"/></svg>', "<svg><image></image></svg>"),
        ("<svg><foreignObject><div>x</div></foreignObject><rect/></svg>", "<svg><rect></rect></svg>"),
        ('<svg><set attributeName="href" to="javascript:alert(1)"/></svg>', "<svg></svg>"),
    ],
)
def test_nothing_covers_the_page_or_takes_its_ids(markup: str, expected: str) -> None:
    assert sanitize_html(markup, "out-") == expected
