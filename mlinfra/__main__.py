"""`python -m mlinfra`: Ctrl-C handling first (imports take a while), then the command line."""

from mlinfra.interrupt import install_interrupt_handler

install_interrupt_handler()

from mlinfra.cli import main  # noqa: E402 - after the handler, so Ctrl-C during imports is handled too

main()
