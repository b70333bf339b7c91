"""Freed memory kept for reuse (glibc's malloc, on Linux).

The stages allocate and free arrays of a few to a few dozen megabytes, one
chunk of documents after another. glibc's malloc serves an allocation
above its mmap threshold (128 KB at first, raised only as such arrays are
freed) with fresh pages and gives them back to the kernel when it is
freed, and it trims free memory at the top of its heap: each new array's
pages are faulted in and zeroed again. `check` on the 10 MB corpus took
131,000 page faults and 0.4-0.5 s of system time for it, on 100 MB
804,000 and 3 s. With the thresholds set once at start, arrays up to
`MMAP_THRESHOLD` come from the heap and what they free is reused: 68,000
and 257,000 faults, 0.2 and 1.0 s, no more memory at its peak.
"""

from __future__ import annotations

import sys

# mallopt's parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# arrays up to this size come from the heap (glibc's own cap on the
# threshold it raises by itself: 32 MB on 64-bit systems)
MMAP_THRESHOLD = 32 << 20
# free memory at the top of the heap kept for the next arrays, up to this
TRIM_THRESHOLD = 128 << 20


def keep_freed_memory() -> bool:
    """Ask the C library's malloc to keep freed memory for the next arrays;
    True when it agreed. Anywhere but Linux, or with a C library that has
    no such settings (musl's mallopt does nothing), nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
        # (the trim threshold after the mmap threshold: setting either
        # stops glibc moving both, and a trim threshold alone left arrays
        # above 128 KB to fresh pages: 506,000 faults)
        mmap_set = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        return mmap_set and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    except (OSError, AttributeError):
        return False
