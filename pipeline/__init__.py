"""clean-docs: remove repeated content from text documents, show what went.

The library API mirrors the command line:

>>> from pipeline import dedupe_text
>>> report = "".join(
...     f"In {2000 + n} the customs office reviewed {7 * n} rules and published its findings.\\n"
...     for n in range(6)
... )
>>> result = dedupe_text(report + report)
>>> result.kept_text == report, [r.rule for r in result.removed]
(True, ['R1'])

What an author may have meant is kept, and reported with the rule that kept it:

>>> result = dedupe_text("Of course we should. Of course we should.\\n")
>>> result.kept_text, [r.rule for r in result.findings]
('Of course we should. Of course we should.\\n', ['K5'])
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    from pipeline.api import dedupe_file, dedupe_source, dedupe_text
    from pipeline.settings import Settings

__all__ = ["Settings", "__version__", "dedupe_file", "dedupe_source", "dedupe_text"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: `clean-docs --help` (which imports this package)
    # must not pay for numpy and the detection stages.
    if name in ("dedupe_file", "dedupe_source", "dedupe_text"):
        from pipeline import api

        return getattr(api, name)
    if name == "Settings":
        from pipeline.settings import Settings

        return Settings
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
