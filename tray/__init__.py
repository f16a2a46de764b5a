"""The resident application and the `stamsync` command line.

Nothing here imports pystray or Tk at import time: the command line must work without a
display.
"""
