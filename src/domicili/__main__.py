"""``python -m domicili``."""

from .cli import main

main()
