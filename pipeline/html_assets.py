"""What every page is made of: its one stylesheet, its one script, and the
frame around a body with the Content-Security-Policy that allows exactly
those two, by the sha256 of their text.

Fonts: a page names CJK fonts after the Latin ones, for prose and for the
document's monospaced text alike. A system whose default sans-serif or
monospace font has no CJK glyphs (Windows with an English locale, many
Linux desktops) otherwise shows Chinese text as boxes: the browser falls
back per character only to fonts it is pointed at or configured with.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from html import escape

from pipeline.quoting import visible

# Prose, then the CJK fonts of each platform (Noto/Source Han: Linux and
# Android; PingFang/Hiragino: macOS; Microsoft YaHei: Windows; WenQuanYi:
# older Linux), then the generic family.
SANS = (
    'system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","Source Han Sans SC",'
    '"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif'
)
# The document's text: monospaced Latin, then monospaced CJK where there is
# one (Noto Sans Mono CJK, Sarasa), then the proportional CJK fonts above
# (a CJK character is full width in them anyway), then monospace.
MONO = (
    'ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,"Noto Sans Mono CJK SC",'
    '"Sarasa Mono SC","Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",'
    '"WenQuanYi Micro Hei Mono","WenQuanYi Micro Hei",monospace'
)

CSS = """
body{font:15px/1.55 SANS;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#24313f;color:#fff;padding:14px 24px}
header h1{font-size:19px;margin:0 0 4px}
header p{margin:0;opacity:.85}
main{padding:16px 24px;max-width:1300px}
table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0 20px}
th,td{border:1px solid #d5dae0;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}
th[data-k]{cursor:pointer}
th[data-k]::after{content:" \\2195";color:#8a96a3}
th[data-d="1"]::after{content:" \\25B2";color:#1d232a}
th[data-d="-1"]::after{content:" \\25BC";color:#1d232a}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.pair pre,.doc{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #d5dae0;
 padding:8px;margin:0;max-height:24em;overflow:auto;font:14px/1.6 MONO}
.doc{max-height:none}
.xfile{background:#dde9fb;border-bottom:2px solid #3b78c4}
.twin{background:#d8f0d8}
.finding{background:#fff1c2}
.removed{background:#ffd7d5;text-decoration:line-through;text-decoration-color:#c0392b}
.ln{display:inline-block;width:4.5em;color:#8a96a3;user-select:none;text-align:right;
 padding-right:.8em;background:#fff}
ins{background:#b6e8b6;text-decoration:none} del{background:#ffb3ad}
a{color:#1f5fa8}
.muted{color:#66707a}
.why{margin:2px 0 6px}
.tag{display:inline-block;font:bold 11px/1.3 SANS;padding:0 4px;margin:0 3px 0 1px;
 border-radius:3px;background:#a93226;color:#fff;text-decoration:none;user-select:none;white-space:nowrap}
.tag.keep{background:#8a6d00}
.tag.xref{background:#2f69b3}
.legend{background:#fff;border:1px solid #d5dae0;padding:6px 12px;margin:0 0 12px}
.legend h2{font-size:15px;margin:4px 0}
.legend ul{margin:0;padding-left:18px}
.legend li{margin:2px 0}
.legend li>span:first-child,.legend li>del,.legend li>ins{padding:0 6px}
.legend .ln{width:auto}
.badge{display:inline-block;font:bold 12px/1.4 SANS;padding:0 6px;border-radius:9px;
 background:#6c3483;color:#fff;margin-left:4px;white-space:nowrap}
.banner{background:#f4ecf7;border:1px solid #6c3483;padding:8px 12px;margin:0 0 12px}
tr.whole-copy td{background:#f4ecf7}
code.accept{user-select:all;font-size:12px;word-break:break-all}
""".replace("SANS", SANS).replace("MONO", MONO)

# Click a header with data-k to sort its table by that column (again: the
# other way); a cell's data-v, when it has one, is what it sorts by.
SORT_JS = """
document.querySelectorAll('th[data-k]').forEach(function(th){th.title='Sort by this column';
th.onclick=function(){
var t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex,d=th.dataset.d=th.dataset.d==='1'?'-1':'1';
t.querySelectorAll('th[data-d]').forEach(function(o){if(o!==th){delete o.dataset.d;}});
var r=Array.from(b.rows);r.sort(function(x,y){var p=x.cells[i].dataset.v||x.cells[i].textContent,
q=y.cells[i].dataset.v||y.cells[i].textContent,np=parseFloat(p),nq=parseFloat(q);
var c=(!isNaN(np)&&!isNaN(nq))?np-nq:p.localeCompare(q);return c*d;});
r.forEach(function(x){b.appendChild(x)});};});
"""


@functools.lru_cache(maxsize=8)
def sha256_source(text: str) -> str:
    """A CSP hash source for an inline element whose text is `text`.

    >>> sha256_source("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(style: str, script: str = "") -> str:
    """The policy of a page whose one <style> holds `style` and whose one
    <script> (if any) holds `script`: nothing else loads or runs. The hashes
    are taken of the very text the page embeds, so they cannot drift."""
    scripts = f"script-src {sha256_source(script)}; " if script else ""
    return (
        f"default-src 'none'; style-src {sha256_source(style)}; {scripts}"
        "base-uri 'none'; form-action 'none'"
    )


def page(title: str, body: str, script: str = "") -> str:
    """A whole page: `body` framed, the stylesheet and `script` inline, each
    allowed by its hash (a page has no other inline code: no `style=`
    attributes, no `on*=` handlers)."""
    js = f"<script>{script}</script>" if script else ""
    csp = content_security_policy(CSS, script)  # quotes, base64: nothing to escape
    return (
        '<!DOCTYPE html>\n<html lang="und"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(visible(title))}</title><style>{CSS}</style></head><body>\n"
        f"{body}\n{js}</body></html>\n"
    )
