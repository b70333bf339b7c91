"""clean-docs: remove repeated content from text documents, show what went.

The library API mirrors the command line:

>>> from pipeline import dedupe_text
>>> result = dedupe_text("这一句足够长，长到可以算作一次粘贴。" * 3 + "\\n")
>>> result.kept_text
'这一句足够长，长到可以算作一次粘贴。\\n'
"""

from __future__ import annotations

__version__ = "0.1.0"

from pipeline.api import dedupe_file, dedupe_source, dedupe_text  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

__all__ = ["Settings", "__version__", "dedupe_file", "dedupe_source", "dedupe_text"]
