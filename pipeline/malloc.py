"""Freed memory kept for reuse (glibc's malloc, on Linux).

The stages allocate and free arrays of a few to a few dozen megabytes, one
chunk of documents after another. glibc's malloc serves an allocation
above its mmap threshold (128 KB at first, raised only as such arrays are
freed) with fresh pages and gives them back to the kernel when it is
freed, and it trims free memory at the top of its heap: each new array's
pages are faulted in and zeroed again. `check` on the 10 MB corpus took
131,000 page faults and 0.42-0.48 s of system time for it, on 100 MB
760,000-808,000 and 2.6-2.9 s. With the thresholds set once at start,
arrays up to `MMAP_THRESHOLD` come from the heap and what they free is
reused: 68,000-75,000 and 398,000 faults, 0.26-0.33 and 1.6-1.8 s, no
more memory at the peak (a heap reused is zeroed by calloc, not by the
kernel: part of the system time saved is user time spent).
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
